import Foundation
import Testing
@testable import RecLiteTrain

/// Context features in the toolkit: reading context columns, the event log's requests and split,
/// per-event evaluation, the count baselines, and the gradients of every context parameter.
@Suite struct ContextDataTests {
  let header = "household,action,ts,hour,room\n"

  func load(_ body: String, context: [String] = ["hour", "room"]) throws -> RawData {
    let path = try temporaryFile("context-\(UUID().uuidString).csv", header + body)
    return try InteractionsCSV.load(
      path: path, columns: InteractionColumns(user: "household", item: "action", timestamp: "ts", context: context))
  }

  @Test func readsIntegerAndTextColumns() throws {
    let raw = try load("1,10,100,7,kitchen\n1,11,200,22,bedroom\n2,10,150,7,kitchen\n")
    #expect(raw.contextFields == [ContextColumn(name: "hour"), ContextColumn(name: "room", labels: ["bedroom", "kitchen"])])
    #expect(raw.interactions.map(\.context) == [[7, 1], [22, 0], [7, 1]])
  }

  @Test func badContextColumnsNameFileAndLine() throws {
    func message(_ body: String, context: [String] = ["hour", "room"]) -> String {
      do {
        _ = try load(body, context: context)
        return "no error"
      } catch { return "\(error)" }
    }
    // Missing column: the header line, and the columns there are.
    #expect(message("1,10,100,7,kitchen\n", context: ["hour", "weather"]).contains(":1: no column \"weather\" in header"))
    // Empty value.
    let empty = message("1,10,100,7,kitchen\n1,11,200,,kitchen\n")
    #expect(empty.contains(":3: context column hour is empty"), "\(empty)")
    // Mixed types, both ways.
    let textInIntegers = message("1,10,100,7,kitchen\n1,11,200,late,kitchen\n")
    #expect(textInIntegers.contains(":3: hour \"late\" is text, but the column holds integers (first value \"7\" on line 2)"), "\(textInIntegers)")
    let integerInText = message("1,10,100,7,kitchen\n1,11,200,8,4\n")
    #expect(integerInText.contains(":3: room \"4\" is an integer, but the column holds text"), "\(integerInText)")
    // A context column may not take the model's user or item feature name, nor appear twice.
    #expect(message("1,10,100,7,kitchen\n", context: ["hour", "hour"]).contains("given twice"))
  }

  @Test func eventLogKeepsRepeatsAndListsRequests() throws {
    // Household 1 does action 10 at 7 in the kitchen three times: an event log keeps all three.
    let raw = try load("1,10,100,7,kitchen\n1,10,200,7,kitchen\n1,10,300,7,kitchen\n1,11,400,22,bedroom\n2,11,150,22,bedroom\n")
    let data = try Dataset(raw)
    #expect(data.isEventLog && data.interactionCount == 5 && data.duplicatesMerged == 0)
    let requests = try #require(data.requests)
    // Known requests (user, hour, room) ascending, then one per context for the unknown user (row 2).
    #expect(requests.userRows == [0, 0, 1, 2, 2])
    #expect(requests.contextRows == [[0, 1, 1, 0, 1], [1, 0, 0, 1, 0]])
    #expect(requests.contextSizes == [2, 2] && data.contextValues == [[7, 22], [0, 1]])
    #expect(data.interactionRequest == [0, 0, 0, 1, 2])
    #expect(data.coldStartRequest == [3, 4, 4, 3, 4])
    // The same file without context columns merges the repeats.
    #expect(try Dataset(load("1,10,100,7,kitchen\n1,10,200,7,kitchen\n", context: [])).interactionCount == 1)
  }

  @Test func eventLogSplitsEachUsersEventsByTime() throws {
    // 20 events of one household: 16 train, 2 validation, 2 test, repeats included.
    var body = ""
    for t in 0..<20 { body += "5,\(10 + t % 3),\(t),\(t % 2 == 0 ? 7 : 8),kitchen\n" }
    let data = try Dataset(try load(body))
    let split = Split(data, coldStartShare: 0.5)
    let log = try #require(split.eventLog)
    #expect(split.userCount == data.requests?.count)
    #expect(log.trainItems.count == 16 && split.validation.count == 2 && split.test.count == 2)
    // The cold-start copies go to the unknown user's requests only, and are not counted as events.
    let coldRows = (0..<split.userCount).filter { log.requestUser[$0] == Int32(data.userCount) }
    let copies = coldRows.reduce(0) { $0 + split.train.count(of: $1) }
    #expect(copies > 0 && copies < 16 && split.train.count == 16 + copies)
    // Validation and test are the last events in time: t = 16, 17 and 18, 19.
    let test = (0..<split.userCount).flatMap { split.test.items(of: $0) }.map { data.itemIds[Int($0)] }.sorted()
    #expect(test == [10, 11])  // t 18 → 10, t 19 → 11
  }

  /// Scores that rank items by a fixed order per request row.
  struct TableScorer: Scorer {
    let table: [[Float]]
    var itemCount: Int { table[0].count }
    var scoresAreLogits: Bool { false }
    func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
      for i in 0..<itemCount { scores[i] = table[userRow][i] }
    }
  }

  @Test func everyHeldOutEventIsRankedWithItsOwnRequestNothingExcluded() throws {
    // Household 1: 10 events → 8 train, 1 validation, 1 test. Its test event (action 12 at hour
    // 9) is ranked for the request (1, 9); the training items are not excluded.
    var body = ""
    for t in 0..<8 { body += "1,10,\(t),7,kitchen\n" }
    body += "1,11,8,8,kitchen\n1,12,9,9,kitchen\n"
    let data = try Dataset(try load(body))
    let split = Split(data, coldStartShare: 0)
    let requests = try #require(data.requests)
    let testRequest = try #require((0..<requests.count).first { split.test.count(of: $0) > 0 })
    #expect(data.contextValues[0][Int(requests.contextRows[0][testRequest])] == 9)
    // Items 10, 11, 12 are rows 0, 1, 2. For the test request, item 12 is second behind item 10.
    var table = [[Float]](repeating: [0, 0, 0], count: requests.count)
    table[testRequest] = [3, 1, 2]
    let result = evaluate(TableScorer(table: table), split: split, on: .test, options: EvaluationOptions(cutoffs: [1, 3], negativesPerPositive: 0))
    #expect(result.users == [0])
    #expect(result.at(1)?.hr == 0 && result.at(3)?.hr == 1)
    #expect(abs((result.at(3)?.ndcg ?? 0) - 1 / log2(3.0)) < 1e-12)
    #expect(abs((result.at(3)?.precision ?? 0) - 1.0 / 3) < 1e-12 && result.at(3)?.recall == 1)
    #expect(result.ndcgPerUser(at: 3) == [1 / log2(3.0)])
  }

  @Test func eventMetricsAverageOverEventsThenUsers() throws {
    // Household 1 has two test events in one request (k = 2 of 20), household 2 one.
    var body = ""
    for t in 0..<18 { body += "1,10,\(t),7,kitchen\n" }
    body += "1,11,18,9,kitchen\n1,12,19,9,kitchen\n"
    body += "2,10,0,7,kitchen\n2,10,1,7,kitchen\n2,12,2,9,kitchen\n"
    let data = try Dataset(try load(body))
    let split = Split(data, coldStartShare: 0)
    let requests = try #require(data.requests)
    // Every request ranks 12, 11, 10: household 1's events 11 (rank 2) and 12 (rank 1), household 2's 12 (rank 1).
    let table = [[Float]](repeating: [1, 2, 3], count: requests.count)
    let result = evaluate(TableScorer(table: table), split: split, on: .test, options: EvaluationOptions(cutoffs: [1], negativesPerPositive: 0))
    #expect(result.users == [0, 1])
    #expect(result.ndcgPerUser(at: 1) == [0.5, 1])
    #expect(result.at(1)?.hr == 0.75)
  }

  @Test func countBaselinesBackOffLevelByLevel() throws {
    // Household 1 at 7: action 10 twice; at 9: 11 once. Household 2 at 7: action 12 three times.
    var body = "1,10,1,7,kitchen\n1,10,2,7,kitchen\n1,11,3,9,kitchen\n2,12,1,7,kitchen\n2,12,2,7,kitchen\n2,12,3,7,kitchen\n"
    // Later events: the last of each household is its test event, the one before validation.
    for t in 0..<4 { body += "1,10,\(10 + t),7,kitchen\n2,12,\(10 + t),7,kitchen\n" }
    body += "2,10,20,9,kitchen\n"  // household 2's test event: a request at 9 for a home that never acted at 9
    let data = try Dataset(try load(body))
    let split = Split(data, coldStartShare: 0)
    let log = try #require(split.eventLog)
    let requests = try #require(data.requests)
    let baselines = EventLogBaselines.make(log: log, requests: requests, itemCount: data.itemCount, context: [0, 1], habit: [0])
    #expect(baselines.map(\.name) == [ModelName.popularity, ModelName.popularInContext, ModelName.userHabit])
    func ranking(_ scorer: CountBaseline, user: Int32, hour: Int64) -> [Int64] {
      let hourRow = Int32(data.contextValues[0].firstIndex(of: hour) ?? 0)
      guard let request = (0..<requests.count).first(where: { requests.userRows[$0] == user && requests.contextRows[0][$0] == hourRow })
      else { return [] }
      let scores = scorer.scoreAll(userRow: request)
      return (0..<data.itemCount).sorted { scores[$0] > scores[$1] }.map { data.itemIds[$0] }
    }
    let trainCounts = Dictionary(grouping: log.trainItems, by: { $0 }).mapValues(\.count)
    let popular = (0..<data.itemCount).sorted { (trainCounts[Int32($0)] ?? 0, -$0) > (trainCounts[Int32($1)] ?? 0, -$1) }.map { data.itemIds[$0] }
    #expect(ranking(baselines[0].scorer, user: 0, hour: 9) == popular)
    // At 9 in the kitchen only 11 was done; then hour 9 alone (same), then everything.
    #expect(ranking(baselines[1].scorer, user: 1, hour: 9).first == 11)
    // Household 2 at 9 never did anything: its own actions at any hour (12) come first.
    #expect(ranking(baselines[2].scorer, user: 1, hour: 9).first == 12)
    // Household 1 at 7: its own habit there (10) beats the hour's most popular (12).
    #expect(ranking(baselines[2].scorer, user: 0, hour: 7).first == 10)
    #expect(ranking(baselines[1].scorer, user: 0, hour: 7).first == 12)
  }
}

/// Finite-difference checks of every parameter of the context-aware DeepFM and two-tower,
/// through the request rows (user and context rows per row, repeats on purpose).
@Suite struct ContextGradientTests {
  let features = ItemFeatures(
    genreOffsets: [0, 2, 2, 3, 5, 6, 6], genreRows: [0, 2, 1, 0, 1, 2],
    yearBucket: [0, 1, 2, 0, 1, 2], genreCount: 3, yearBucketCount: 2)
  // Six request rows over users 0…2 and the OOV user 3; field 0 has 3 values (+ OOV row 3),
  // field 1 has 2 (+ OOV row 2).
  let requests = RequestFeatures(
    userRows: [0, 1, 2, 1, 3, 0], contextRows: [[0, 1, 2, 0, 1, 3], [1, 0, 1, 2, 0, 1]], contextSizes: [3, 2])
  let rows: [Int32] = [0, 1, 2, 3, 4, 5, 2, 0]
  let items: [Int32] = [0, 1, 3, 4, 2, 5, 1, 3]
  let targets: [Float] = [1, 0, 1, 0, 0.3, 1, 0.6, 0]

  func loss<M: TrainableModel>(_ model: M) -> (Double, M, [Float]) {
    var ws = model.makeWorkspace()
    var logits = [Float](repeating: 0, count: rows.count)
    model.forward(users: rows, items: items, count: rows.count, workspace: &ws, logits: &logits)
    var total = 0.0
    var d = [Float](repeating: 0, count: rows.count)
    for b in 0..<rows.count {
      total += Double(Logistic.bceWithLogits(logits[b], target: targets[b]))
      d[b] = Logistic.sigmoid(logits[b]) - targets[b]
    }
    var grads = model.zeroed
    var touched = model.parameterSlots.map { TouchedRows(capacity: $0.count) }
    model.backward(dLogits: d, users: rows, items: items, count: rows.count, workspace: &ws, gradients: &grads, touched: &touched)
    return (total, grads, logits)
  }

  func checkEverySlot<M: TrainableModel>(_ model: M, contextSlots: Int) {
    let (_, grads, logits) = loss(model)
    let scorer = model.makeScorer()
    for b in 0..<rows.count where Int(items[b]) < scorer.itemCount {
      let s = scorer.scores(userRow: Int(rows[b]), itemRows: [Int(items[b])])[0]
      #expect(abs(s - logits[b]) < 1e-4, "scorer \(s) vs forward \(logits[b]) for request \(rows[b])")
    }
    let names = model.parameterSlots.map(\.name)
    #expect(names.filter { $0.hasPrefix("context_") }.count == contextSlots, "\(names)")
    for slot in model.parameterSlots {
      let check = checkGradient(model[keyPath: slot.path], analytic: grads[keyPath: slot.path], h: 2e-3, absolute: 1e-3, relative: 1e-2) { values in
        var probe = model
        probe[keyPath: slot.path] = values
        return loss(probe).0
      }
      #expect(check.passed, "\(slot.name): \(check.failures.count)/\(check.checked) off, first \(check.failures.first.map { "\($0)" } ?? "-")")
    }
  }

  @Test func deepFMWithContext() {
    var model = DeepFM(
      config: DeepFMConfig(dim: 3, hidden: [5, 4]), userCount: 3, itemCount: 5, features: features, requests: requests, seed: 3)
    #expect(model.mlp[0].inputs == 6 * 3 && model.fieldCount == 6)
    model.userLinear = randomFloats(4, seed: 1)
    model.itemLinear = randomFloats(6, seed: 2)
    model.genreLinear = randomFloats(4, seed: 3)
    model.yearLinear = randomFloats(3, seed: 4)
    model.userEmbedding = randomFloats(model.userEmbedding.count, seed: 5)
    model.itemEmbedding = randomFloats(model.itemEmbedding.count, seed: 6)
    for f in 0..<2 {
      model.contextEmbedding[f] = randomFloats(model.contextEmbedding[f].count, seed: 40 + UInt64(f))
      model.contextLinear[f] = randomFloats(model.contextLinear[f].count, seed: 50 + UInt64(f))
    }
    for l in model.mlp.indices { model.mlp[l].bias = randomFloats(model.mlp[l].outputs, seed: 9 + UInt64(l), scale: 0.3) }
    checkEverySlot(model, contextSlots: 4)
  }

  @Test func twoTowerWithContextInTheRequestTower() {
    var model = TwoTower(
      config: TwoTowerConfig(embeddingDim: 3, outputDim: 2, userHidden: [4], itemHidden: []),
      userCount: 3, itemCount: 5, features: features, requests: requests, seed: 4)
    #expect(model.userTower[0].inputs == 3 * 3)
    model.userEmbedding = randomFloats(model.userEmbedding.count, seed: 5)
    model.itemBias = randomFloats(6, seed: 9)
    for f in 0..<2 { model.contextEmbedding[f] = randomFloats(model.contextEmbedding[f].count, seed: 60 + UInt64(f)) }
    for l in model.userTower.indices { model.userTower[l].bias = randomFloats(model.userTower[l].outputs, seed: 20 + UInt64(l), scale: 0.3) }
    checkEverySlot(model, contextSlots: 2)
  }

  /// The context changes the scores (the model does use it), and without context the same request
  /// rows score as their users do.
  @Test func contextChangesScoresAndWithoutContextRowsAreUsers() {
    let model = DeepFM(config: DeepFMConfig(dim: 3, hidden: [4]), userCount: 3, itemCount: 5, features: features, requests: requests, seed: 7)
    let scorer = model.makeScorer()
    // Requests 0 and 5 share user 0 and differ in context.
    #expect(scorer.scoreAll(userRow: 0) != scorer.scoreAll(userRow: 5))
    let plain = DeepFM(
      config: DeepFMConfig(dim: 3, hidden: [4]), userCount: 3, itemCount: 5, features: features,
      requests: requests.withoutContext(), seed: 7)
    #expect(plain.fieldCount == 4 && plain.makeScorer().scoreAll(userRow: 0) == plain.makeScorer().scoreAll(userRow: 5))
    let users = DeepFM(config: DeepFMConfig(dim: 3, hidden: [4]), userCount: 3, itemCount: 5, features: features, seed: 7)
    #expect(plain.makeScorer().scoreAll(userRow: 4) == users.makeScorer().scoreAll(userRow: 3))
  }
}
