// The pipeline's deployment: every trained model is exported to a .rlm file,
// opened by the runtime, timed, and evaluated through it. Compressed variants
// (int8) of the students are exported and evaluated the same way.

import Foundation
import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

/// One exported file and what the runtime measured on it.
public struct DeployedModel: Sendable, Codable {
  public var name: String
  public var seed: UInt64
  /// "f32", "int8", ...
  public var encoding: String
  public var path: String
  public var fileBytes: Int
  public var arenaBytes: Int
  public var parameters: Int
  public var latency: RecommendLatency
  /// Test metrics through the runtime for compressed variants (the f32 file's are in the pipeline report).
  public var test: EvaluationResult?
}

public final class RuntimeDeployment: ModelDeployment {
  public let directory: URL
  /// Extra encodings to export and evaluate for these models (by name).
  public let compressed: [String: [ExportOptions]]
  public let provenance: [String: String]
  public let evaluation: EvaluationOptions
  public private(set) var deployed: [DeployedModel] = []
  /// Builders of the written files, kept to add the final metrics to their metadata.
  private var builders: [String: ModelBuilder] = [:]

  public init(
    directory: URL, compressed: [String: [ExportOptions]], provenance: [String: String], evaluation: EvaluationOptions
  ) throws {
    self.directory = directory
    self.compressed = compressed
    self.provenance = provenance
    self.evaluation = evaluation
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  /// File name of a model, the same whatever the number of seeds: the name, the encoding unless
  /// exact, the seed — "student-distilled-seed1.rlm", "two-tower-distilled-int8-seed2.rlm".
  public static func fileName(_ name: String, seed: UInt64, options: ExportOptions) -> String {
    name + (options == .exact ? "" : "-" + options.label) + "-seed\(seed).rlm"
  }

  public func deploy(
    _ model: TrainedModel, name: String, seed: UInt64, dataset: Dataset, split: Split, sharedItems: ItemRowSharing?
  ) throws -> any Scorer {
    let context = ModelExport.context(
      for: model, name: name, seed: seed, dataset: dataset, split: split, provenance: provenance, sharedItems: sharedItems)
    let requests = ModelExport.timedRequests(dataset: dataset, split: split)

    var primary: (any Scorer)? = nil
    for options in [ExportOptions.exact] + (compressed[name] ?? []) {
      let builder = try ModelExport.builderChoosingCSR(model, context: context, options: options, requests: requests).builder
      let file = directory.appendingPathComponent(Self.fileName(name, seed: seed, options: options))
      let (bytes, scorer) = try ModelExport.write(builder, options: options, to: file, dataset: dataset)
      let latency = try RecommendLatency.measure(scorer.model, users: requests.users, exclude: requests.exclude, budgetSeconds: 3)
      var test: EvaluationResult? = nil
      if options == .exact {
        primary = scorer
      } else {
        var evaluationOptions = evaluation
        evaluationOptions.seed = seed
        test = RecLiteTrain.evaluate(scorer, split: split, on: .test, options: evaluationOptions)
      }
      deployed.append(DeployedModel(
        name: name, seed: seed, encoding: options.label, path: file.path, fileBytes: bytes,
        arenaBytes: scorer.model.arenaBytes, parameters: model.parameterCount, latency: latency, test: test))
      builders[file.path] = builder
    }
    guard let primary else { throw ModelWriterError("internal: no float32 export of \(name)") }
    return primary
  }

  /// Files an earlier run deployed (a resumed seed's), listed as if deployed now.
  func adopt(_ models: [DeployedModel]) {
    deployed += models
  }

  /// Rewrites every file with the run's results in its metadata (weights unchanged, so the
  /// evaluated numbers still describe it). Files of an earlier run are read back to do so.
  public func recordResults(_ results: [String: String]) throws {
    for index in deployed.indices {
      let path = deployed[index].path
      var plan: Int? = nil
      let builder: ModelBuilder
      if let written = builders[path] {
        builder = written
      } else {
        let file = try ModelBuilder.reading([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        (builder, plan) = (file.builder, file.maxBatch)
      }
      for (key, value) in results { builder.metadata(key, value) }
      let bytes = try builder.serialize(maxBatch: plan)
      try AtomicFile.write(Data(bytes), to: URL(fileURLWithPath: path))
      deployed[index].fileBytes = bytes.count
    }
  }
}
