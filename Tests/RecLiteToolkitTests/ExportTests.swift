// Trained models exported to .rlm and run by the runtime give the scores the
// in-memory models give.

import Foundation
import RecLiteRuntime
import RecLiteToolkit
@testable import RecLiteTrain
import RecLiteWriter
import Testing

/// A small data set: 30 users, 60 items with genres and years (some unknown), 10 interactions each.
func smallDataset() throws -> Dataset {
  var random = SeededRandom(seed: 9)
  let genres = ["Action", "Comedy", "Drama"]
  var items: [Int64: ItemMetadata] = [:]
  for i in 0..<60 {
    items[Int64(10 * i + 5)] = ItemMetadata(
      title: "Film \(i)", genres: i % 4 == 0 ? [] : [genres[i % 3]] + (i % 7 == 0 ? [genres[(i + 1) % 3]] : []),
      year: i % 9 == 0 ? nil : 1950 + i)
  }
  var interactions: [RawInteraction] = []
  for u in 0..<30 {
    for k in 0..<10 {
      let item = Int64(10 * ((u * 7 + k * 11 + Int(random.unitFloat() * 5)) % 60) + 5)
      interactions.append(RawInteraction(user: Int64(1000 + u * 2), item: item, timestamp: Int64(k * 100 + u)))
    }
  }
  return try Dataset(RawData(interactions: interactions, items: items, source: "test"))
}

func randomize(_ values: inout [Float], seed: UInt64, scale: Float = 0.3) {
  var random = SeededRandom(seed: seed)
  for i in values.indices { values[i] = (random.unitFloat() * 2 - 1) * scale }
}

func context(_ dataset: Dataset) -> ExportContext {
  ExportContext(dataset: dataset, trainItemCounts: (0..<dataset.itemCount).map { $0 % 5 }, metadata: ["test": "yes"])
}

/// Runtime scores (logits) for every (known and unknown) user against every item and an unknown item.
func runtimeScores(_ bytes: [UInt8], users: [Int64], items: [Int64]) throws -> [[Float]] {
  let model = try bytes.withUnsafeBytes { raw in
    try RecLiteRuntime.Model.open(buffer: raw.baseAddress!, length: raw.count, copy: true, verifyChecksum: true)
  }
  let session = try Session(model: model, arena: nil, length: 0)
  return try users.map { user in
    var scores = [Float](repeating: .nan, count: items.count)
    try items.withUnsafeBufferPointer { ids in
      try scores.withUnsafeMutableBufferPointer { out in
        try session.score(Request(userID: user), itemIDs: ids.baseAddress, count: ids.count, scores: out.baseAddress)
      }
    }
    return scores
  }
}

/// In-memory logits for every user row (OOV row last) against every item row (OOV last).
func memoryLogits<M: TrainableModel>(_ model: M, users: Int, items: Int) -> [[Float]] {
  var workspace = model.makeWorkspace()
  return (0...users).map { u in
    var logits: [Float] = []
    let itemRows = (0...items).map { Int32($0) }
    model.forward(users: [Int32](repeating: Int32(u), count: itemRows.count), items: itemRows, count: itemRows.count, workspace: &workspace, logits: &logits)
    return Array(logits.prefix(itemRows.count))
  }
}

func expectSameScores(_ runtime: [[Float]], _ memory: [[Float]], tolerance: Float) {
  for (u, row) in runtime.enumerated() {
    for (i, p) in row.enumerated() {
      #expect(abs(p - memory[u][i]) <= tolerance, "user row \(u) item row \(i): runtime \(p), model \(memory[u][i])")
    }
  }
}

@Suite struct ExportTests {
  @Test func autoPrecomputesTheItemSideWithinItsBudget() throws {
    let dataset = try smallDataset()
    let model = DeepFM(config: DeepFMConfig(dim: 8, hidden: [12, 6]), userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: 4)
    #expect(DeepFMExport.precomputedTableBytes(model) == (dataset.itemCount + 1) * (12 + 8) * 4)
    let auto = try DeepFMExport.builder(model, context: context(dataset), options: ExportOptions(precompute: .auto))
    #expect(auto.description.hasSuffix("item side precomputed"))
    let never = try DeepFMExport.builder(model, context: context(dataset), options: ExportOptions(precompute: .never))
    #expect(!never.description.contains("precomputed"))
  }

  @Test(arguments: [ExportOptions.ItemPrecompute.always, .never], [false, true])
  func deepFMExportScoresLikeTheModel(precompute: ExportOptions.ItemPrecompute, fused: Bool) throws {
    let dataset = try smallDataset()
    var model = DeepFM(config: DeepFMConfig(dim: 8, hidden: [12, 6]), userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: 4)
    randomize(&model.userLinear, seed: 1)
    randomize(&model.itemLinear, seed: 2)
    randomize(&model.genreLinear, seed: 3)
    randomize(&model.yearLinear, seed: 4)
    randomize(&model.userEmbedding, seed: 5)
    randomize(&model.itemEmbedding, seed: 6)
    model.globalBias = [0.2]
    if fused {
      let split = Split(dataset)
      model = try model.fusingALS(train: split.train, options: ImplicitALSOptions(factors: 3, regularization: 0.5, iterations: 3), share: 0.5)
    }
    let options = ExportOptions(precompute: precompute)
    let bytes = try DeepFMExport.builder(model, context: context(dataset), options: options).serialize(maxBatch: 16)
    let users = dataset.userIds + [-1]
    let items = dataset.itemIds + [999_999]
    expectSameScores(
      try runtimeScores(bytes, users: users, items: items),
      memoryLogits(model, users: dataset.userCount, items: dataset.itemCount),
      tolerance: 1e-5)
  }

  @Test func twoTowerExportScoresLikeTheModel() throws {
    let dataset = try smallDataset()
    var model = TwoTower(
      config: TwoTowerConfig(embeddingDim: 8, outputDim: 6, userHidden: [10], itemHidden: [9]), userCount: dataset.userCount,
      itemCount: dataset.itemCount, features: dataset.features, seed: 8)
    randomize(&model.itemBias, seed: 3)
    model.globalBias = [-0.1]
    let bytes = try TwoTowerExport.builder(model, context: context(dataset), options: .exact).serialize(maxBatch: 7)
    expectSameScores(
      try runtimeScores(bytes, users: dataset.userIds + [-1], items: dataset.itemIds + [1]),
      memoryLogits(model, users: dataset.userCount, items: dataset.itemCount), tolerance: 1e-5)
  }

  @Test func int8ExportStaysCloseAndIsSmaller() throws {
    let dataset = try smallDataset()
    var model = DeepFM(config: DeepFMConfig(dim: 16, hidden: [16, 8]), userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: 5)
    randomize(&model.userEmbedding, seed: 7)
    randomize(&model.itemEmbedding, seed: 8)
    let exact = try DeepFMExport.builder(model, context: context(dataset), options: .exact).serialize()
    let compressed = try DeepFMExport.builder(model, context: context(dataset), options: .int8).serialize()
    #expect(compressed.count < exact.count)
    expectSameScores(
      try runtimeScores(compressed, users: dataset.userIds, items: dataset.itemIds),
      memoryLogits(model, users: dataset.userCount - 1, items: dataset.itemCount - 1), tolerance: 0.02)
  }

  @Test func exportCarriesCatalogAndProvenance() throws {
    let dataset = try smallDataset()
    let model = TwoTower(config: TwoTowerConfig(embeddingDim: 4, outputDim: 4), userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: 1)
    let bytes = try TwoTowerExport.builder(model, context: context(dataset), options: .exact).serialize()
    let opened = try bytes.withUnsafeBytes { raw in
      try RecLiteRuntime.Model.open(buffer: raw.baseAddress!, length: raw.count, copy: true, verifyChecksum: true)
    }
    #expect(opened.graph.catalogSize == dataset.itemCount)
    #expect(opened.title(ofItem: dataset.itemIds[3])?.description == dataset.itemTitles[3])
    #expect(opened.metadata(key: "test")?.description == "yes")
    #expect(opened.metadata(key: "producer")?.description.hasPrefix("reclite ") == true)
    // Popularity: counts are row % 5, so rows 4, 9, 14, ... come first.
    let popularity = try #require(opened.graph.catalog?.popularity)
    #expect(popularity[0] == 4 && popularity[1] == 9)
  }
}

@Suite struct TrainedExportTests {
  /// The end-to-end check: train → distill → export → open in the runtime → same scores.
  @Test func trainedAndDistilledModelsScoreTheSameInTheRuntime() throws {
    let dataset = try smallDataset()
    let split = Split(dataset)
    let options = TrainingOptions(epochs: 2, batchSize: 64, learningRate: 0.01, l2: 1e-6, negatives: 4, patience: 0, seed: 3)
    let teacher = train(
      DeepFM(config: DeepFMConfig(dim: 8, hidden: [16, 8]), userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: 1),
      split: split, options: options).model
    let scores = DenseTeacherScores(scorer: teacher.makeScorer(), userCount: dataset.userCount)
    let student = train(
      DeepFM(config: DeepFMConfig(dim: 4, hidden: [8, 4]), userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: 2),
      split: split, options: options, teacher: scores, distillation: DistillationOptions(alpha: 0.5, temperature: 2)).model
    let tower = train(
      TwoTower(config: TwoTowerConfig(embeddingDim: 4, outputDim: 4), userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: 3),
      split: split, options: options, teacher: scores, distillation: DistillationOptions()).model
    let users = dataset.userIds + [-7]
    let items = dataset.itemIds + [123_456]
    for model in [TrainedModel.deepFM(teacher), .deepFM(student), .twoTower(tower)] {
      let context = ModelExport.context(for: model, name: "m", seed: 1, dataset: dataset, split: split, provenance: [:])
      let bytes = try ModelExport.builder(model, context: context, options: .exact).serialize()
      let memory: [[Float]]
      switch model {
      case .deepFM(let m): memory = memoryLogits(m, users: dataset.userCount, items: dataset.itemCount)
      case .twoTower(let m): memory = memoryLogits(m, users: dataset.userCount, items: dataset.itemCount)
      }
      expectSameScores(try runtimeScores(bytes, users: users, items: items), memory, tolerance: 1e-5)
    }
  }
}
