// The writer's default chunk size: the largest whose session arena fits the 64 KiB target,
// and the largest there is when none fits.

import RecLiteRuntime
@testable import RecLiteWriter
import Testing

@Suite struct ArenaBudgetTests {
  /// A ranker whose per-candidate tensors are `hidden` + 9 floats wide: a hidden width of 64
  /// needs ≈ 75 KB of candidate rows at 256 per chunk, ≈ 37 KB at 128.
  func ranker(hidden: Int) -> ModelBuilder {
    var random = TestRandom(state: 3)
    let m = ModelBuilder(description: "arena budget fixture")
    _ = m.feature("user", kind: .user, vocabulary: [1, 2])
    let item = m.feature("item", kind: .item, vocabulary: Array(1...300))
    let embedding = m.embeddingLookup("item_embedding", table: m.constant("item_table", floats: flat(random.matrix(301, 8)), shape: [301, 8]), ids: item)
    let h = m.dense(
      "hidden", embedding, weight: m.constant("w1", floats: flat(random.matrix(hidden, 8)), shape: [hidden, 8]),
      bias: m.constant("b1", floats: random.matrix(1, hidden)[0], shape: [hidden]), activation: .relu)
    let score = m.dense(
      "score", h, weight: m.constant("w2", floats: flat(random.matrix(1, hidden)), shape: [1, hidden]),
      bias: m.constant("b2", floats: [0.1], shape: [1]), activation: .none)
    m.outputs(scores: score)
    m.catalog(item: item, titles: nil, popularity: [0, 1])
    return m
  }

  @Test func theDefaultChunkIsTheLargestThatFitsTheTarget() throws {
    let builder = ranker(hidden: 64)
    let wide = try openBytes(try builder.serialize(maxBatch: 256))
    #expect(wide.arenaBytes > ModelBuilder.arenaTarget, "the fixture must need a smaller chunk")
    let chosen = try openBytes(try builder.serialize())
    #expect(chosen.graph.maxBatch == 128)
    #expect(chosen.arenaBytes <= ModelBuilder.arenaTarget)
  }

  @Test func aModelThatFitsAtTheLargestChunkKeepsIt() throws {
    #expect(try openBytes(try ranker(hidden: 8).serialize()).graph.maxBatch == 256)
  }

  @Test func aModelThatFitsNowhereKeepsTheLargestChunk() throws {
    let model = try openBytes(try ranker(hidden: 512).serialize())
    #expect(model.graph.maxBatch == 256 && model.arenaBytes > ModelBuilder.arenaTarget)
  }
}
