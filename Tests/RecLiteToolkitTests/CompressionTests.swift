// Compression through the runtime: quantized exports, CSR layers chosen by measurement, rare
// items sharing a row through the remap, post-training compression of a file, the lean catalog,
// and the sweep's choices (frontier, budgets, grid errors).

import Foundation
import RecLiteRuntime
@testable import RecLiteToolkit
@testable import RecLiteTrain
import RecLiteWriter
import Testing

/// A DeepFM with random embeddings and `sparsity` of its first hidden layer's weights zero.
func prunedDeepFM(_ dataset: Dataset, dim: Int = 8, hidden: [Int] = [32, 16], sparsity: Double = 0) -> DeepFM {
  var model = DeepFM(
    config: DeepFMConfig(dim: dim, hidden: hidden), userCount: dataset.userCount, itemCount: dataset.itemCount,
    features: dataset.features, seed: 11)
  randomize(&model.userEmbedding, seed: 1)
  randomize(&model.itemEmbedding, seed: 2)
  randomize(&model.itemLinear, seed: 3)
  let weight = model.mlp[0].weight
  let cut = weight.map(abs).sorted()[min(weight.count - 1, Int(sparsity * Double(weight.count)))]
  if sparsity > 0 { model.mlp[0].weight = weight.map { abs($0) < cut ? 0 : $0 } }
  return model
}

func openModel(_ bytes: [UInt8]) throws -> RecLiteRuntime.Model {
  try bytes.withUnsafeBytes { raw in
    try RecLiteRuntime.Model.open(buffer: raw.baseAddress!, length: raw.count, copy: true, verifyChecksum: true)
  }
}

@Suite struct QuantizedExportTests {
  /// Every encoding scores close to the in-memory model, and the narrower it is the smaller the file.
  @Test func everyEncodingScoresCloseAndNarrowerIsSmaller() throws {
    let dataset = try smallDataset()
    let deepFM = prunedDeepFM(dataset, dim: 16)
    var tower = TwoTower(
      config: TwoTowerConfig(embeddingDim: 16, outputDim: 16), userCount: dataset.userCount, itemCount: dataset.itemCount,
      features: dataset.features, seed: 8)
    randomize(&tower.itemBias, seed: 3)
    for model in [TrainedModel.deepFM(deepFM), .twoTower(tower)] {
      let memory: [[Float]]
      switch model {
      case .deepFM(let m): memory = memoryLogits(m, users: dataset.userCount - 1, items: dataset.itemCount - 1)
      case .twoTower(let m): memory = memoryLogits(m, users: dataset.userCount - 1, items: dataset.itemCount - 1)
      }
      var sizes: [String: Int] = [:]
      var errors: [String: Float] = [:]
      for (name, options) in [("f32", ExportOptions.exact), ("int8", .int8), ("mixed", .mixed), ("int4", .int4)] {
        let bytes = try ModelExport.builder(model, context: context(dataset), options: options).serialize()
        sizes[name] = bytes.count
        let runtime = try runtimeScores(bytes, users: dataset.userIds, items: dataset.itemIds)
        errors[name] = zip(runtime, memory).map { zip($0, $1).map { abs($0 - $1) }.max()! }.max()!
      }
      #expect(errors["f32"]! <= 1e-5)
      #expect(errors["int8"]! <= 0.02, "int8 \(errors)")
      #expect(errors["int4"]! <= 0.25, "int4 \(errors)")
      #expect(errors["mixed"]! <= errors["int4"]! + 1e-6, "mixed \(errors)")
      #expect(sizes["int4"]! < sizes["mixed"]! && sizes["mixed"]! < sizes["int8"]! && sizes["int8"]! < sizes["f32"]!, "\(sizes)")
    }
  }
}

@Suite struct SparseLayerTests {
  /// The choice measures only layers with enough zeros, keeps CSR exactly where it measured it
  /// faster, and records the measurements; a file with the layer as CSR scores like the dense one.
  @Test func csrIsMeasuredChosenByTimeRecordedAndExact() throws {
    let dataset = try smallDataset()
    let model = prunedDeepFM(dataset, sparsity: 0.9)
    let trained = TrainedModel.deepFM(model)
    let split = Split(dataset)
    var options = ExportOptions.exact
    options.precompute = .never
    let requests = ModelExport.timedRequests(dataset: dataset, split: split)
    let (builder, chosen, measurements) = try ModelExport.builderChoosingCSR(
      trained, context: context(dataset), options: options, requests: requests)
    // Only the first hidden layer is pruned (stored as its user and item parts): the layers
    // with fewer zeros than the threshold are never measured.
    let dense = try openModel(try ModelExport.builder(trained, context: context(dataset), options: options).serialize())
    let sparseEnough = SparseLayerChoice.sparseLayers(dense.graph).filter { $0.sparsity >= SparseLayerChoice.minimumSparsity }
    #expect(!sparseEnough.isEmpty && sparseEnough.count < SparseLayerChoice.sparseLayers(dense.graph).count)
    #expect(measurements.map(\.layer) == sparseEnough.map(\.layer))
    let recorded = try #require(try openModel(try builder.serialize()).metadata(key: "compression.csr")?.description)
    for m in measurements {
      #expect(m.sparsity >= 0.8)
      #expect(m.denseMicroseconds > 0 && m.csrMicroseconds > 0)
      #expect(m.csr == (m.csrMicroseconds < m.denseMicroseconds * (1 - SparseLayerChoice.margin)))
      #expect(recorded.contains("\(m.layer): \(Int((m.sparsity * 100).rounded()))% zeros, \(m.csr ? "CSR" : "dense")"), "\(recorded)")
    }
    #expect(chosen.csrLayers == measurements.filter(\.csr).map(\.layer))

    var csr = options
    csr.csrLayers = measurements.map(\.layer)
    let sparseBytes = try ModelExport.builder(trained, context: context(dataset), options: csr).serialize()
    let sparseModel = try openModel(sparseBytes)
    #expect(sparseModel.graph.tensors.filter { $0.isSparse }.count == measurements.count)
    let denseBytes = try ModelExport.builder(trained, context: context(dataset), options: options).serialize()
    #expect(sparseBytes.count < denseBytes.count)
    let users = dataset.userIds + [-1]
    expectSameScores(
      try runtimeScores(sparseBytes, users: users, items: dataset.itemIds),
      try runtimeScores(denseBytes, users: users, items: dataset.itemIds), tolerance: 1e-5)
  }

  @Test func denseModelsAreNotMeasured() throws {
    let dataset = try smallDataset()
    let split = Split(dataset)
    let (_, chosen, measurements) = try ModelExport.builderChoosingCSR(
      .deepFM(prunedDeepFM(dataset)), context: context(dataset), options: .exact,
      requests: ModelExport.timedRequests(dataset: dataset, split: split))
    #expect(measurements.isEmpty && chosen.csrLayers.isEmpty)
  }
}

@Suite struct RowSharingExportTests {
  /// Items seen fewer than N times are scored exactly as the unknown item, through one stored
  /// row reached by the remap, and the file shrinks by their rows.
  @Test(arguments: [false, true])
  func rareItemsScoreAsTheUnknownItemAndTheFileShrinks(twoTower: Bool) throws {
    let dataset = try smallDataset()
    let split = Split(dataset)
    let counts = itemCounts(split)
    let sharing = ItemRowSharing(trainCounts: counts, minCount: 3)
    let rare = counts.indices.filter { counts[$0] < 3 }
    #expect(sharing.sharedCount == rare.count && !rare.isEmpty && rare.count < dataset.itemCount)
    let model: TrainedModel
    if twoTower {
      var m = TwoTower(
        config: TwoTowerConfig(embeddingDim: 8, outputDim: 8), userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, seed: 5)
      randomize(&m.itemBias, seed: 9)
      model = .twoTower(m.sharingItemRows(sharing.rowOf))
    } else {
      model = .deepFM(prunedDeepFM(dataset).sharingItemRows(sharing.rowOf))
    }
    let shared = ModelExport.context(for: model, name: "m", seed: 1, dataset: dataset, split: split, provenance: [:], sharedItems: sharing)
    let plain = ModelExport.context(for: model, name: "m", seed: 1, dataset: dataset, split: split, provenance: [:])
    let sharedBytes = try ModelExport.builder(model, context: shared, options: .exact).serialize()
    let plainBytes = try ModelExport.builder(model, context: plain, options: .exact).serialize()
    #expect(sharedBytes.count < plainBytes.count)
    #expect(try openModel(sharedBytes).graph.tensors.contains { $0.rowRemap >= 0 })
    let users = Array(dataset.userIds.prefix(8))
    let unknownItem: Int64 = 987_654
    let scores = try runtimeScores(sharedBytes, users: users, items: rare.map { dataset.itemIds[$0] } + [unknownItem])
    for row in scores {
      for s in row.dropLast() { #expect(abs(s - row.last!) <= 1e-5, "a rare item scores \(s), the unknown item \(row.last!)") }
    }
    // Kept items score as they did without the remap.
    let kept = counts.indices.filter { counts[$0] >= 3 }.map { dataset.itemIds[$0] }
    expectSameScores(
      try runtimeScores(sharedBytes, users: users, items: kept), try runtimeScores(plainBytes, users: users, items: kept),
      tolerance: 1e-5)
  }
}

@Suite struct FileCompressionTests {
  func twoTowerFile(_ dataset: Dataset) throws -> [UInt8] {
    var m = TwoTower(
      config: TwoTowerConfig(embeddingDim: 16, outputDim: 16), userCount: dataset.userCount, itemCount: dataset.itemCount,
      features: dataset.features, seed: 4)
    randomize(&m.itemBias, seed: 2)
    return try ModelExport.builder(.twoTower(m), context: context(dataset), options: .exact).serialize()
  }

  @Test func compressingAFileKeepsItsScoresAndShrinksIt() throws {
    let dataset = try smallDataset()
    let original = try twoTowerFile(dataset)
    let reference = try runtimeScores(original, users: dataset.userIds, items: dataset.itemIds)
    var sizes: [ExportOptions.Tables: Int] = [:]
    for (tables, tolerance) in [(ExportOptions.Tables.int8, Float(0.02)), (.mixed, 0.25), (.int4, 0.25)] {
      let result = try FileCompression.compress(original, tables: tables, titles: .full, mixedShare: 0.2)
      let bytes = try result.builder.serialize(maxBatch: result.maxBatch)
      sizes[tables] = bytes.count
      expectSameScores(try runtimeScores(bytes, users: dataset.userIds, items: dataset.itemIds), reference, tolerance: tolerance)
      let opened = try openModel(bytes)
      #expect(opened.metadata(key: "compression.quantize")?.description.contains(tables.rawValue) == true)
      #expect(opened.title(ofItem: dataset.itemIds[0])?.description == dataset.itemTitles[0])
    }
    #expect(sizes[.int4]! < sizes[.mixed]! && sizes[.mixed]! < sizes[.int8]! && sizes[.int8]! < original.count, "\(sizes)")
  }

  /// --csr stores the pruned weights as asked, scores stay the same, and the weights are
  /// stored exactly as before in every other respect (float32 stays float32).
  @Test func csrIsRedecidedFromTheFile() throws {
    let dataset = try smallDataset()
    var options = ExportOptions.exact
    options.precompute = .never
    let model = TrainedModel.deepFM(prunedDeepFM(dataset, sparsity: 0.9))
    let dense = try ModelExport.builder(model, context: context(dataset), options: options).serialize()
    let denseModel = try openModel(dense)
    let pruned = FileCompression.denseWeights(of: denseModel.graph).filter { t in
      let values = TensorValues.floats(t, in: denseModel.graph)!
      return Double(values.filter { $0 == 0 }.count) >= SparseLayerChoice.minimumSparsity * Double(values.count)
    }.map { denseModel.graph.tensors[$0].name.description }
    #expect(!pruned.isEmpty && pruned.count < FileCompression.denseWeights(of: denseModel.graph).count)
    let toCSR = try FileCompression.compress(dense, tables: nil, titles: .full, mixedShare: 0.2, csr: .allPruned)
    let sparse = try toCSR.builder.serialize(maxBatch: toCSR.maxBatch)
    let sparseGraph = try openModel(sparse).graph
    #expect(Set(sparseGraph.tensors.filter(\.isSparse).map(\.name.description)) == Set(pruned))
    #expect(sparseGraph.tensors.filter { $0.isConstant && $0.type == .int8 }.isEmpty)
    let back = try FileCompression.compress(sparse, tables: nil, titles: .full, mixedShare: 0.2, csr: .dense)
    let backBytes = try back.builder.serialize(maxBatch: back.maxBatch)
    #expect(try openModel(backBytes).graph.tensors.filter(\.isSparse).isEmpty)
    let users = dataset.userIds + [-1]
    let reference = try runtimeScores(dense, users: users, items: dataset.itemIds)
    expectSameScores(try runtimeScores(sparse, users: users, items: dataset.itemIds), reference, tolerance: 1e-5)
    expectSameScores(try runtimeScores(backBytes, users: users, items: dataset.itemIds), reference, tolerance: 1e-5)
    #expect {
      try FileCompression.compress(dense, tables: nil, titles: .full, mixedShare: 0.2, csr: .named(["no_such_weight"]))
    } throws: { error in
      "\(error)".contains("--csr") && "\(error)".contains("no_such_weight")
    }
    #expect {
      try FileCompression.compress(dense, tables: nil, titles: .full, mixedShare: 0.2, csr: .dense)
    } throws: { error in
      "\(error)".contains("nothing to compress")
    }
  }

  @Test func aNarrowerModelIsNotQuantizedAgain() throws {
    let dataset = try smallDataset()
    let int4 = try FileCompression.compress(try twoTowerFile(dataset), tables: .int4, titles: .full, mixedShare: 0.2)
    let bytes = try int4.builder.serialize(maxBatch: int4.maxBatch)
    #expect {
      try FileCompression.compress(bytes, tables: .int8, titles: .full, mixedShare: 0.2)
    } throws: { error in
      "\(error)".contains("--quantize int8") && "\(error)".contains("already quantized to int4")
    }
    #expect {
      try FileCompression.compress(bytes, tables: .int4, titles: .full, mixedShare: 0.2)
    } throws: { error in
      "\(error)".contains("already int4")
    }
    #expect(throws: ModelWriterError.self) { try FileCompression.compress([1, 2, 3], tables: .int8, titles: .full, mixedShare: 0.2) }
    #expect(throws: ModelWriterError.self) {
      try FileCompression.compress(try twoTowerFile(dataset), tables: .int8, titles: .full, mixedShare: 1.5)
    }
  }

  /// `--titles none` leaves ids only; the byte report adds up and puts titles in the catalog.
  @Test func leanCatalogDropsTitlesAndTheBytesAddUp() throws {
    let dataset = try smallDataset()
    let original = try twoTowerFile(dataset)
    let full = FileBytes(try openModel(original))
    #expect(full.titles > 0 && full.ids > 0)
    #expect(full.weights + full.catalog + full.metadata + full.structure == full.total && full.structure >= 0)
    let result = try FileCompression.compress(original, tables: .int8, titles: .none, mixedShare: 0.2)
    let lean = try openModel(try result.builder.serialize(maxBatch: result.maxBatch))
    #expect(lean.title(ofItem: dataset.itemIds[0]) == nil)
    let bytes = FileBytes(lean)
    #expect(bytes.titles == 0 && bytes.total < full.total - full.titles)
    // Ids that fit 32 bits are stored as int32, not int64.
    #expect(bytes.ids == 4 * (dataset.userCount + dataset.itemCount) && full.ids == bytes.ids)

    var options = ExportOptions.exact
    options.titles = .none
    var m = TwoTower(
      config: TwoTowerConfig(embeddingDim: 4, outputDim: 4), userCount: dataset.userCount, itemCount: dataset.itemCount,
      features: dataset.features, seed: 1)
    randomize(&m.itemBias, seed: 1)
    let exported = try openModel(try ModelExport.builder(.twoTower(m), context: context(dataset), options: options).serialize())
    #expect(exported.title(ofItem: dataset.itemIds[0]) == nil && FileBytes(exported).titles == 0)
  }
}

@Suite struct SweepChoiceTests {
  func point(_ name: String, bytes: Int, us: Double, test: Double, validation: Double) -> SweepPoint {
    let metrics = SweepMetrics(
      validationNDCG10: validation, ndcg10: test, hr10: 0, auc: nil, roc: nil, microseconds: us, fileBytes: bytes,
      bytes: FileBytesFixture.empty)
    return SweepPoint(
      name: name, key: SweepPointKey(student: SweepStudent(model: .twoTower, dim: 4, compression: CompressionOptions()), encoding: "int8", titles: .full),
      fingerprint: "", file: "", parameters: 0, sparsity: 0, metrics: metrics, csr: [], sharedItems: 0)
  }

  @Test func frontierKeepsOnlyUnbeatenPointsCheapestFirst() {
    let points = [
      point("a", bytes: 100, us: 5, test: 0.10, validation: 0.1), point("b", bytes: 200, us: 4, test: 0.20, validation: 0.2),
      point("c", bytes: 300, us: 3, test: 0.15, validation: 0.3), point("d", bytes: 400, us: 2, test: 0.30, validation: 0.1),
    ]
    #expect(SweepChoice.frontier(points) { Double($0.metrics.fileBytes) } == ["a", "b", "d"])
    #expect(SweepChoice.frontier(points) { $0.metrics.microseconds } == ["d"])
  }

  /// Budgets choose by validation NDCG@10, never by test; a budget no point meets names its option.
  @Test func budgetsChooseByValidationAndNameTheOptionTheyMiss() throws {
    let points = [
      point("a", bytes: 100, us: 5, test: 0.10, validation: 0.1), point("b", bytes: 200, us: 4, test: 0.20, validation: 0.2),
      point("c", bytes: 300, us: 3, test: 0.15, validation: 0.3), point("d", bytes: 400, us: 2, test: 0.30, validation: 0.1),
    ]
    #expect(try SweepChoice.choose(points, maxBytes: nil, maxMicroseconds: nil)?.name == "c")
    #expect(try SweepChoice.choose(points, maxBytes: 250, maxMicroseconds: nil)?.name == "b")
    #expect(try SweepChoice.choose(points, maxBytes: 450, maxMicroseconds: 2.5)?.name == "d")
    #expect { try SweepChoice.choose(points, maxBytes: 50, maxMicroseconds: nil) } throws: { "\($0)".contains("--max-bytes") }
    #expect { try SweepChoice.choose(points, maxBytes: 150, maxMicroseconds: 1) } throws: { "\($0)".contains("--max-latency-us") }
  }

  /// A sweep reuses the metrics of a file with the same weights only when the catalog scores
  /// are bit-identical: titles change no score, a different student does.
  @Test func catalogFormsShareMetricsOnlyWithIdenticalScores() throws {
    let dataset = try smallDataset()
    func scorer(_ seed: UInt64, titles: ExportOptions.Titles) throws -> RuntimeScorer {
      var m = TwoTower(
        config: TwoTowerConfig(embeddingDim: 8, outputDim: 8), userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, seed: seed)
      randomize(&m.itemBias, seed: seed)
      var options = ExportOptions.exact
      options.titles = titles
      return try RuntimeScorer(bytes: try ModelExport.builder(.twoTower(m), context: context(dataset), options: options).serialize(), dataset: dataset)
    }
    let full = try scorer(3, titles: .full), none = try scorer(3, titles: .none), other = try scorer(4, titles: .none)
    #expect(full.model.graph.fileBytes > none.model.graph.fileBytes)
    #expect(SweepRun.sameScores(full, none, rows: dataset.userCount))
    #expect(!SweepRun.sameScores(full, other, rows: dataset.userCount))
  }

  @Test func gridErrorsNameTheirOption() {
    let data = DataSource.movieLens(ratings: "r.csv", movies: nil)
    func fails(_ change: (inout SweepConfig) -> Void, _ option: String) {
      var config = SweepConfig(data: data)
      change(&config)
      #expect(throws: SweepGridError.self, "\(option)") { try config.students() }
      do { _ = try config.students() } catch { #expect("\(error)".contains(option), "\(error)") }
    }
    fails({ $0.dims = [] }, "--dims")
    fails({ $0.encodings = [] }, "--encodings")
    fails({ $0.encodings = ["int3"] }, "--encodings")
    fails({ $0.sparsities = [1.0] }, "--sparsities")
    fails({ $0.sparsities = [-0.1] }, "--sparsities")
    fails({ $0.dims = [0] }, "--dims")
    fails({ $0.minCounts = [-1] }, "--min-counts")
    fails({ $0.models = [.twoTower]; $0.sparsities = [0.8] }, "--sparsities")
    var config = SweepConfig(data: data)
    config.models = [.twoTower, .student]
    config.dims = [4]
    config.sparsities = [0, 0.8]
    let (students, skipped) = try! config.students()
    #expect(students.map(\.name) == ["two-tower-d4", "student-d4", "student-d4-s80"])
    #expect(skipped.count == 1)
  }
}

enum FileBytesFixture {
  /// The byte report of a tiny sample model (the choice tests need some value).
  static var empty: FileBytes {
    let bytes = try! SampleModel(users: 2, items: 3).builder().serialize()
    return FileBytes(try! openModel(bytes))
  }
}
