// `reclite pipeline --resume`: every finished seed is saved as OUT/seeds/seedN.json (its report
// and the files it deployed), so a multi-seed run cut short goes on at the first seed it had not
// finished. A checkpoint belongs to one set of settings: resuming with other settings is refused.

import Foundation
import RecLiteTrain
import RecLiteWriter

public struct PipelineCheckpointError: Error, CustomStringConvertible {
  public var description: String
}

final class PipelineCheckpoints: SeedCheckpoints {
  /// What one seed's checkpoint holds.
  struct Saved: Codable {
    /// The run's settings without its seed list (`fingerprint(_:)`).
    var settings: String
    var report: SeedReport
    var deployed: [DeployedModel]
  }

  let directory: URL
  let settings: String
  let deployment: RuntimeDeployment
  /// Whether earlier checkpoints are read (`--resume`); they are always written.
  let resuming: Bool

  init(output: URL, config: PipelineConfig, deployment: RuntimeDeployment, resuming: Bool) throws {
    directory = output.appendingPathComponent("seeds")
    settings = try Self.fingerprint(config)
    self.deployment = deployment
    self.resuming = resuming
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  /// The settings that decide a seed's results: the config without its seed list and progress.
  static func fingerprint(_ config: PipelineConfig) throws -> String {
    var settings = config
    settings.seeds = []
    settings.progress = false
    return String(decoding: try JSONEncoder.sorted.encode(settings), as: UTF8.self)
  }

  func file(_ seed: UInt64) -> URL { directory.appendingPathComponent("seed\(seed).json") }

  func restore(seed: UInt64) throws -> SeedReport? {
    guard resuming, let data = FileManager.default.contents(atPath: file(seed).path) else { return nil }
    let saved: Saved
    do { saved = try JSONDecoder.sorted.decode(Saved.self, from: data) } catch {
      throw PipelineCheckpointError(description: "--resume: \(file(seed).path) is not a seed checkpoint (\(error)); remove it to train seed \(seed) again")
    }
    guard saved.settings == settings else {
      throw PipelineCheckpointError(
        description: "--resume: \(file(seed).path) was written with other settings than this run's; "
          + "run without --resume (or with another --out) to start over")
    }
    for model in saved.deployed where !FileManager.default.fileExists(atPath: model.path) {
      throw PipelineCheckpointError(
        description: "--resume: seed \(seed)'s \(model.path) is missing; remove \(file(seed).path) to train seed \(seed) again")
    }
    deployment.adopt(saved.deployed)
    return saved.report
  }

  func save(_ report: SeedReport) throws {
    let saved = Saved(settings: settings, report: report, deployed: deployment.deployed.filter { $0.seed == report.seed })
    try AtomicFile.write(try JSONEncoder.sorted.encode(saved), to: file(report.seed))
  }
}
