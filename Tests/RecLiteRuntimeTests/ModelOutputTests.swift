// The runtime's scores and recommendations against the straightforward
// computation of the same models (Fixtures.swift).

import Foundation
@testable import RecLiteRuntime
import Testing
@testable import RecLiteWriter

func close(_ a: Float, _ b: Float, tolerance: Float = 1e-5) -> Bool {
  abs(a - b) <= tolerance * max(1, abs(b))
}

/// Scores through a fresh session.
func runtimeScores(_ model: Model, user: Int64, hour: Int64? = nil, items: [Int64], flags: UInt32 = 0) throws -> [Float] {
  let session = try Session(model: model, arena: nil, length: 0)
  var scores = [Float](repeating: .nan, count: items.count)
  var context = [ContextValue]()
  if let hour, let index = model.graph.features.firstIndex(where: { $0.name.description == "hour" }) {
    context.append(ContextValue(feature: UInt32(index), value: hour))
  }
  try context.withUnsafeBufferPointer { ctx in
    try items.withUnsafeBufferPointer { ids in
      try scores.withUnsafeMutableBufferPointer { out in
        let request = Request(userID: user, flags: flags, context: ctx.baseAddress, contextCount: ctx.count)
        try session.score(request, itemIDs: ids.baseAddress, count: ids.count, scores: out.baseAddress)
      }
    }
  }
  return scores
}

func runtimeRecommend(
  _ session: Session, user: Int64, k: Int, exclude: [Int64] = [], flags: UInt32 = 0
) throws -> (ids: [Int64], scores: [Float]) {
  var ids = [Int64](repeating: -1, count: k)
  var scores = [Float](repeating: .nan, count: k)
  let n = try exclude.withUnsafeBufferPointer { ex in
    try ids.withUnsafeMutableBufferPointer { idsOut in
      try scores.withUnsafeMutableBufferPointer { scoresOut in
        try session.recommend(
          Request(userID: user, flags: flags), k: k, excludeIDs: ex.baseAddress, excludeCount: ex.count,
          idsOut: idsOut.baseAddress, scoresOut: scoresOut.baseAddress)
      }
    }
  }
  return (Array(ids.prefix(n)), Array(scores.prefix(n)))
}

@Suite struct ModelOutputTests {
  @Test(arguments: TableEncoding.allCases, [1, 3, 256])
  func twoTowerScoresMatchTheStraightforwardComputation(encoding: TableEncoding, maxBatch: Int) throws {
    let fixture = TwoTowerFixture(encoding: encoding)
    let model = try openModel(fixture.builder(), maxBatch: maxBatch)
    let candidates: [Int64] = fixture.items + [999, -5, 100, 700]  // unknown items use the OOV row
    for user in fixture.users + [12345] {
      for hour: Int64? in [nil, 0, 13, 23, 24, -1] {
        let got = try runtimeScores(model, user: user, hour: hour, items: candidates)
        for (i, item) in candidates.enumerated() {
          let want = fixture.score(user: user, hour: hour, item: item)
          #expect(close(got[i], want), "user \(user) hour \(String(describing: hour)) item \(item): \(got[i]) vs \(want)")
        }
      }
    }
  }

  @Test(arguments: [1, 4, 256])
  func rankerScoresMatchTheStraightforwardComputation(maxBatch: Int) throws {
    let fixture = RankerFixture()
    let model = try openModel(fixture.builder(), maxBatch: maxBatch)
    let candidates = fixture.items + [5, 1002]
    for user in fixture.users + [0, -1] {
      let got = try runtimeScores(model, user: user, items: candidates)
      for (i, item) in candidates.enumerated() {
        let want = fixture.score(user: user, item: item)
        #expect(close(got[i], want), "user \(user) item \(item): \(got[i]) vs \(want)")
      }
    }
  }

  @Test(arguments: [1, 2, 5, 7, 100])
  func recommendReturnsTheBestItemsInOrder(k: Int) throws {
    let fixture = TwoTowerFixture()
    let model = try openModel(fixture.builder(), maxBatch: 3)
    let session = try Session(model: model, arena: nil, length: 0)
    for user in fixture.users {
      let exclude: [Int64] = [200, 42]
      let eligible = fixture.items.filter { !exclude.contains($0) }
      let expected = referenceRanking(eligible) { fixture.score(user: user, item: $0) }.prefix(k)
      let got = try runtimeRecommend(session, user: user, k: k, exclude: exclude)
      #expect(got.ids == expected.map(\.id), "user \(user)")
      for (score, want) in zip(got.scores, expected.map(\.score)) { #expect(close(score, want)) }
    }
  }

  @Test func unknownUsersGetThePopularItemsScoredByTheModel() throws {
    let fixture = TwoTowerFixture()
    let model = try openModel(fixture.builder())
    let session = try Session(model: model, arena: nil, length: 0)
    // Popularity rows [3, 0, 5, 1] are items 400, 100, 600, 200; 100 is excluded.
    let got = try runtimeRecommend(session, user: 777, k: 3, exclude: [100])
    #expect(got.ids == [400, 600, 200])
    for (id, score) in zip(got.ids, got.scores) { #expect(close(score, fixture.score(user: 777, item: id))) }
    // Without the fallback, the OOV user is ranked by the model like anyone else.
    let ranked = try runtimeRecommend(session, user: 777, k: 7, flags: Request.noFallback)
    let expected = referenceRanking(fixture.items) { fixture.score(user: 777, item: $0) }
    #expect(ranked.ids == expected.map(\.id))
  }

  @Test func recommendWithEverythingExcludedReturnsNothing() throws {
    let fixture = TwoTowerFixture()
    let session = try Session(model: try openModel(fixture.builder()), arena: nil, length: 0)
    let got = try runtimeRecommend(session, user: 10, k: 5, exclude: fixture.items)
    #expect(got.ids.isEmpty)
  }

  @Test func equalScoresRankTheSmallerIdFirst() throws {
    // Every item scores the same: the ranking is by id.
    let m = ModelBuilder()
    let user = m.feature("user", kind: .user, vocabulary: [1])
    let item = m.feature("item", kind: .item, vocabulary: [5, 9, 2_000_000_000_000, 40, 77].sorted())
    let u = m.embeddingLookup("u", table: m.constant("ut", floats: [1, 1], shape: [2, 1]), ids: user)
    let v = m.embeddingLookup("v", table: m.constant("vt", floats: [Float](repeating: 0.5, count: 6), shape: [6, 1]), ids: item)
    m.outputs(scores: m.dot("s", u, v))
    m.catalog(item: item, titles: nil, popularity: [])
    let session = try Session(model: try openModel(m, maxBatch: 2), arena: nil, length: 0)
    let got = try runtimeRecommend(session, user: 1, k: 4)
    #expect(got.ids == [5, 9, 40, 77])
    #expect(got.scores == [0.5, 0.5, 0.5, 0.5])
  }

  /// A model ending in a sigmoid whose best items have logits `best` and `second`: float32's σ
  /// is exactly 1 for both when they exceed ≈ 16.6, and ranking on it would tie them.
  static func saturatingModel(best: Float, second: Float, sigmoidAsActivation: Bool) -> ModelBuilder {
    let m = ModelBuilder()
    let user = m.feature("user", kind: .user, vocabulary: [1])
    let item = m.feature("item", kind: .item, vocabulary: [10, 20, 30, 40])
    let u = m.embeddingLookup("u", table: m.constant("ut", floats: [1, 1], shape: [2, 1]), ids: user)
    // Item 10 scores `second`, item 20 `best`: the smaller id is the worse item.
    let v = m.embeddingLookup("v", table: m.constant("vt", floats: [second, best, 0.5, -3, 0], shape: [5, 1]), ids: item)
    let scores = sigmoidAsActivation ? m.dot("p", u, v, activation: .sigmoid) : m.sigmoid("p", m.dot("logit", u, v))
    m.outputs(scores: scores)
    m.catalog(item: item, titles: nil, popularity: [])
    return m
  }

  @Test(arguments: [(Float(20), Float(30)), (17, 17.5), (16.7, 16.8)], [false, true])
  func saturatedProbabilitiesStillRankByTheModel(logits: (Float, Float), sigmoidAsActivation: Bool) throws {
    let (second, best) = logits
    #expect(sigmoid(second) == sigmoid(best), "the case this test is for: σ ties in float32")
    let model = try openModel(Self.saturatingModel(best: best, second: second, sigmoidAsActivation: sigmoidAsActivation))
    #expect(model.graph.scoreKind == .logit)
    let session = try Session(model: model, arena: nil, length: 0)
    let top = try runtimeRecommend(session, user: 1, k: 2)
    #expect(top.ids == [20, 10])
    #expect(top.scores == [best, second])
    let scores = try runtimeScores(model, user: 1, items: [10, 20])
    #expect(scores == [second, best])
  }

  @Test func modelsWithoutAFinalSigmoidReturnRawScores() throws {
    #expect(try openModel(RankerFixture().builder()).graph.scoreKind == .logit)
    let m = ModelBuilder()
    let user = m.feature("user", kind: .user, vocabulary: [1])
    let item = m.feature("item", kind: .item, vocabulary: [10, 20])
    let u = m.embeddingLookup("u", table: m.constant("ut", floats: [1, 1], shape: [2, 1]), ids: user)
    let v = m.embeddingLookup("v", table: m.constant("vt", floats: [2, 3, 0], shape: [3, 1]), ids: item)
    m.outputs(scores: m.dot("s", u, v))
    m.catalog(item: item, titles: nil, popularity: [])
    let model = try openModel(m)
    #expect(model.graph.scoreKind == .raw)
    #expect(try runtimeScores(model, user: 1, items: [10, 20]) == [2, 3])
  }

  /// The packed-catalog path (linear scores): scores match the straightforward computation,
  /// recommend returns the best items in order, and its scores are score()'s, bit for bit.
  @Test(arguments: TableEncoding.allCases, [(false, false), (true, false), (false, true)])
  func packedCatalogScoresAndRanksLikeTheModel(encoding: TableEncoding, shape: (twoTerms: Bool, pruned: Bool)) throws {
    let fixture = LinearTwoTowerFixture(encoding: encoding, twoTerms: shape.twoTerms, pruned: shape.pruned)
    let model = try openModel(fixture.builder(), maxBatch: 16)
    #expect(model.plan.catalog != nil, "the linear score was not recognized")
    let session = try Session(model: model, arena: nil, length: 0)
    let candidates = fixture.items + [-1, 999]
    for user in fixture.users + [77] {
      let got = try runtimeScores(model, user: user, items: candidates)
      for (i, item) in candidates.enumerated() {
        let want = fixture.score(user: user, item: item)
        #expect(close(got[i], want, tolerance: 1e-4), "user \(user) item \(item): \(got[i]) vs \(want)")
      }
      for k in [1, 5, 10, 37] {
        let exclude: [Int64] = [fixture.items[3], fixture.items[20], 424242]
        let top = try runtimeRecommend(session, user: user, k: k, exclude: exclude, flags: Request.noFallback)
        let eligible = fixture.items.filter { !exclude.contains($0) }
        let scored = try runtimeScores(model, user: user, items: eligible)
        let expected = referenceRanking(eligible) { scored[eligible.firstIndex(of: $0)!] }.prefix(k)
        #expect(top.ids == expected.map(\.id), "user \(user) k \(k)")
        #expect(top.scores.map(\.bitPattern) == expected.map(\.score.bitPattern), "user \(user) k \(k)")
      }
    }
  }

  /// The head fused into the catalog scan (the DeepFM student's shape): scores match the
  /// straightforward computation, recommend ranks by them, and the two agree bit for bit.
  @Test(arguments: TableEncoding.allCases)
  func fusedHeadScoresAndRanksLikeTheModel(encoding: TableEncoding) throws {
    let fixture = HeadFixture(encoding: encoding)
    let model = try openModel(fixture.builder(), maxBatch: 16)
    #expect(model.plan.catalog?.head != nil, "the head was not recognized")
    let session = try Session(model: model, arena: nil, length: 0)
    for user in fixture.users + [1000] {
      let got = try runtimeScores(model, user: user, items: fixture.items + [7])
      for (i, item) in (fixture.items + [7]).enumerated() {
        #expect(close(got[i], fixture.score(user: user, item: item), tolerance: 1e-4), "user \(user) item \(item)")
      }
      for k in [1, 4, 9, 45] {
        let top = try runtimeRecommend(session, user: user, k: k, exclude: [fixture.items[0]], flags: Request.noFallback)
        let eligible = Array(fixture.items.dropFirst())
        let scored = try runtimeScores(model, user: user, items: eligible)
        let expected = referenceRanking(eligible) { scored[eligible.firstIndex(of: $0)!] }.prefix(k)
        #expect(top.ids == expected.map(\.id), "user \(user) k \(k)")
        #expect(top.scores.map(\.bitPattern) == expected.map(\.score.bitPattern), "user \(user) k \(k)")
      }
    }
  }

  @Test func nonlinearScoresRunTheCandidateOps() throws {
    #expect(try openModel(TwoTowerFixture().builder()).plan.catalog == nil)
    #expect(try openModel(RankerFixture().builder()).plan.catalog == nil)
  }

  @Test func itemTitlesAndMetadataAreReadable() throws {
    let fixture = TwoTowerFixture()
    let model = try openModel(fixture.builder())
    #expect(model.title(ofItem: 300)?.description == "Gamma")
    #expect(model.title(ofItem: 301) == nil)
    #expect(model.metadata(key: "teacher.ndcg@10")?.description == "0.0612")
    #expect(model.metadata(key: "nope") == nil)
    #expect(model.feature(named: "hour") == 2)
    #expect(model.graph.catalogSize == 7)
  }
}
