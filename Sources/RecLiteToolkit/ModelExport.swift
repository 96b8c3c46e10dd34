// One trained model → one verified .rlm file, opened again by the runtime.
// Shared by the pipeline's deployment and the train/distill commands.

import Foundation
import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public enum ModelExport {
  /// Provenance every export records: model name, seed, split and parameter count.
  public static func context(
    for model: TrainedModel, name: String, seed: UInt64, dataset: Dataset, split: Split, provenance: [String: String],
    sharedItems: ItemRowSharing? = nil
  ) -> ExportContext {
    var counts = [Int](repeating: 0, count: dataset.itemCount)
    for item in split.train.items { counts[Int(item)] += 1 }
    var metadata = provenance
    metadata["model"] = name
    metadata["seed"] = "\(seed)"
    metadata["split"] = "per-user temporal: train \(split.train.count), validation \(split.validation.count), test \(split.test.count)"
    metadata["parameters"] = "\(model.parameterCount)"
    if let fallback = ContextFallback.metadata(dataset, split: split) { metadata[fallback.key] = fallback.value }
    if let sharedItems {
      metadata["compression.shared_items"] =
        "\(sharedItems.sharedCount) items with fewer than \(sharedItems.minCount) training interactions share the OOV item's row"
    }
    return ExportContext(dataset: dataset, trainItemCounts: counts, metadata: metadata, sharedItems: sharedItems)
  }

  /// The builder for a trained model in the given encoding.
  public static func builder(_ model: TrainedModel, context: ExportContext, options: ExportOptions) throws -> ModelBuilder {
    let builder: ModelBuilder
    switch model {
    case .deepFM(let m): builder = try DeepFMExport.builder(m, context: context, options: options)
    case .twoTower(let m): builder = try TwoTowerExport.builder(m, context: context, options: options)
    }
    builder.metadata("export.encoding", options.label)
    return builder
  }

  /// Users timed per model, with their training items excluded like a device would.
  public static let latencyRequests = 200

  /// The requests a latency measurement times: the first users with their training items.
  public static func timedRequests(dataset: Dataset, split: Split) -> (users: [Int64], exclude: [[Int64]]) {
    let rows = (0..<min(latencyRequests, dataset.userCount)).map { $0 }
    return (
      rows.map { dataset.userIds[$0] },
      rows.map { u in split.train.items[split.train.offsets[u]..<split.train.offsets[u + 1]].map { dataset.itemIds[Int($0)] } }
    )
  }

  /// The builder for `model` in `options`, with the pruned dense layers that run faster as CSR
  /// stored as CSR (`SparseLayerChoice`, measured on `requests`) and the choice in the metadata.
  /// `measured`: the choice already measured for the same model with the same table and weight
  /// encodings (the titles change no layer), reused instead of timing the layers again.
  public static func builderChoosingCSR(
    _ model: TrainedModel, context: ExportContext, options: ExportOptions, requests: (users: [Int64], exclude: [[Int64]]),
    measured: [SparseLayerChoice.Measurement]? = nil
  ) throws -> (builder: ModelBuilder, options: ExportOptions, measurements: [SparseLayerChoice.Measurement]) {
    var (chosen, measurements) = (options, measured ?? [])
    if measured != nil {
      chosen.csrLayers = measurements.filter(\.csr).map(\.layer)
    } else {
      (chosen, measurements) = try SparseLayerChoice.choose(options: options, users: requests.users, exclude: requests.exclude) {
        try builder(model, context: context, options: $0)
      }
    }
    let result = try builder(model, context: context, options: chosen)
    if !measurements.isEmpty { result.metadata("compression.csr", SparseLayerChoice.metadata(measurements)) }
    return (result, chosen, measurements)
  }

  /// Serializes, writes atomically to `file`, and returns the runtime's scorer over the bytes written.
  public static func write(
    _ builder: ModelBuilder, options: ExportOptions, to file: URL, dataset: Dataset
  ) throws -> (bytes: Int, scorer: RuntimeScorer) {
    let bytes = try builder.serialize()
    try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try AtomicFile.write(Data(bytes), to: file)
    return (bytes.count, try RuntimeScorer(bytes: bytes, dataset: dataset))
  }
}

extension TrainedModel {
  public var parameterCount: Int {
    switch self {
    case .deepFM(let m): return m.parameterCount
    case .twoTower(let m): return m.parameterCount
    }
  }
}
