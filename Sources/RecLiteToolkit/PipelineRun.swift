// The whole chain with deployment: train and distill (RecLiteTrain), export
// every model to .rlm, evaluate and time it through the runtime, and
// summarize — the numbers a device gets.

import Foundation
import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

/// One line of the summary table: a model (and encoding) over all seeds.
public struct SummaryRow: Sendable, Codable {
  public var model: String
  public var encoding: String
  public var parameters: Int
  /// Parameters as a share of the teacher's (nil without a built-in teacher).
  public var shareOfTeacher: Double?
  public var fileBytes: Int?
  /// At the report's cut-off K (`PipelineConfig.cutoff`).
  public var ndcg: MeanStd
  public var hr: MeanStd
  public var auc: MeanStd
  /// Mean recommend latency (top-10 over the catalog, one thread) through the runtime.
  public var microsecondsPerRequest: MeanStd?
}

public struct PipelineOutcome: Sendable, Codable {
  public var report: PipelineReport
  public var deployed: [DeployedModel]
  public var rows: [SummaryRow]
  public var outputDirectory: String
}

public enum PipelineRun {
  /// Student models that also get a compressed (int8) export, evaluated through the runtime.
  public static let compressedModels = [ModelName.distilledStudent, ModelName.distilledTwoTower]

  /// With `resume`, seeds that an earlier run of the same settings finished in `output` are
  /// restored instead of trained (see PipelineCheckpoints).
  public static func run(_ config: PipelineConfig, output: URL, resume: Bool = false) throws -> PipelineOutcome {
    let provenance = [
      "dataset": describe(config.data),
      "hyperparameters": String(decoding: (try? JSONEncoder.sorted.encode(HyperParameters(config))) ?? Data(), as: UTF8.self),
    ]
    let deployment = try RuntimeDeployment(
      directory: output, compressed: Dictionary(uniqueKeysWithValues: compressedModels.map { ($0, [ExportOptions.int8]) }),
      provenance: provenance, evaluation: config.evaluation)
    let checkpoints = try PipelineCheckpoints(output: output, config: config, deployment: deployment, resuming: resume)
    let result = try runPipeline(config, deployment: deployment, checkpoints: checkpoints)
    let rows = summaryRows(result.report, deployment.deployed)
    var results: [String: String] = [:]
    let k = config.cutoff
    for row in rows where row.encoding == "f32" {
      results["result.\(row.model).ndcg@\(k)"] = String(format: "%.4f ± %.4f", row.ndcg.mean, row.ndcg.std)
      results["result.\(row.model).hr@\(k)"] = String(format: "%.4f ± %.4f", row.hr.mean, row.hr.std)
    }
    try deployment.recordResults(results)
    let outcome = PipelineOutcome(
      report: result.report, deployed: deployment.deployed, rows: summaryRows(result.report, deployment.deployed),
      outputDirectory: output.path)
    try AtomicFile.write(try JSONEncoder.sorted.encode(outcome), to: output.appendingPathComponent("report.json"))
    try AtomicFile.write(Data(markdown(outcome).utf8), to: output.appendingPathComponent("report.md"))
    return outcome
  }

  static func describe(_ source: DataSource) -> String {
    switch source {
    case .movieLens(let ratings, _): return "MovieLens \(ratings)"
    case .interactions(let path, _): return "interactions \(path)"
    }
  }

  /// Table rows: every evaluated model (f32 files evaluated by the pipeline through the runtime)
  /// and the compressed variants, with file sizes and latency.
  static func summaryRows(_ report: PipelineReport, _ deployed: [DeployedModel]) -> [SummaryRow] {
    let teacherParameters = report.summary.first { $0.name == ModelName.teacher }?.parameters
    func files(_ name: String, _ encoding: String) -> [DeployedModel] {
      deployed.filter { $0.name == name && $0.encoding == encoding }
    }
    func share(_ parameters: Int) -> Double? { teacherParameters.map { Double(parameters) / Double($0) } }
    var rows: [SummaryRow] = []
    for summary in report.summary {
      let exported = files(summary.name, "f32")
      rows.append(SummaryRow(
        model: summary.name, encoding: exported.isEmpty ? "-" : "f32", parameters: summary.parameters,
        shareOfTeacher: ModelName.baselines.contains(summary.name) ? nil : share(summary.parameters),
        fileBytes: exported.first?.fileBytes, ndcg: summary.ndcg, hr: summary.hr, auc: summary.auc,
        microsecondsPerRequest: exported.isEmpty ? nil : MeanStd(exported.map(\.latency.meanMicroseconds))))
      let encodings = Set(deployed.filter { $0.name == summary.name && $0.encoding != "f32" }.map(\.encoding)).sorted()
      for encoding in encodings {
        let variants = files(summary.name, encoding)
        let tests = variants.compactMap(\.test)
        rows.append(SummaryRow(
          model: summary.name, encoding: encoding, parameters: summary.parameters, shareOfTeacher: share(summary.parameters),
          fileBytes: variants.first?.fileBytes, ndcg: MeanStd(tests.map { $0.at(report.config.cutoff)?.ndcg ?? .nan }),
          hr: MeanStd(tests.map { $0.at(report.config.cutoff)?.hr ?? .nan }),
          auc: MeanStd(tests.map { $0.auc ?? .nan }), microsecondsPerRequest: MeanStd(variants.map(\.latency.meanMicroseconds))))
      }
    }
    return rows
  }

  /// The summary as Markdown: the table, then the paired comparisons.
  public static func markdown(_ outcome: PipelineOutcome) -> String {
    let report = outcome.report
    let seeds = report.seeds.map { "\($0.seed)" }.joined(separator: ", ")
    var out = "# RecLite pipeline\n\n"
    out += "Data: \(report.dataset.source) — \(report.dataset.users) users, \(report.dataset.items) items; "
    out += "split train \(report.dataset.train) / validation \(report.dataset.validation) / test \(report.dataset.test). "
    out += "Seeds: \(seeds). Test metrics by full ranking, evaluated through the runtime on the exported files; mean ± std over seeds.\n\n"
    let k = report.config.cutoff
    out += "| model | encoding | parameters | % of teacher | file bytes | NDCG@\(k) | HR@\(k) | AUC | µs/request |\n"
    out += "|---|---|---:|---:|---:|---|---|---|---:|\n"
    for row in outcome.rows {
      let share = row.shareOfTeacher.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
      let bytes = row.fileBytes.map { $0.grouped } ?? "-"
      let latency = row.microsecondsPerRequest.map { String(format: "%.0f", $0.mean) } ?? "-"
      out += "| \(row.model) | \(row.encoding) | \(row.parameters.grouped) | \(share) | \(bytes) | \(row.ndcg.formatted) | \(row.hr.formatted) | \(row.auc.formatted) | \(latency) |\n"
    }
    out += "\nPaired comparisons of test NDCG@\(k) (per-user values averaged over seeds; 95% bootstrap interval; seeds where a > b):\n\n"
    out += "| comparison | difference | interval | users a better / worse | seeds |\n|---|---:|---|---|---:|\n"
    for (key, comparison) in report.pooledComparisons.sorted(by: { $0.key < $1.key }) {
      out += String(
        format: "| %@ | %+.4f | [%+.4f, %+.4f] | %d / %d | %d of %d |\n", key, comparison.meanDifference, comparison.low,
        comparison.high, comparison.wins, comparison.losses, report.seedWins[key] ?? 0, report.seeds.count)
    }
    out += "\nFiles in \(outcome.outputDirectory): " + Set(outcome.deployed.map { URL(fileURLWithPath: $0.path).lastPathComponent }).sorted().joined(separator: ", ") + "\n"
    out += String(format: "Total time %.0f s.\n", report.totalSeconds)
    return out
  }
}

/// The settings that shaped the models, recorded in every exported file.
struct HyperParameters: Codable {
  let teacher: DeepFMConfig
  let teacherTraining: TrainingOptions
  let student: DeepFMConfig
  let studentTraining: TrainingOptions
  let twoTower: TwoTowerConfig
  let distillation: DistillationOptions
  let twoTowerDistillation: DistillationOptions
  let minRating: Double?

  init(_ config: PipelineConfig) {
    teacher = config.teacher
    teacherTraining = config.teacherTraining
    student = config.student
    studentTraining = config.studentTraining
    twoTower = config.twoTower
    distillation = config.distillation
    twoTowerDistillation = config.twoTowerDistillation
    minRating = config.minRating
  }
}

extension JSONEncoder {
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }
}

extension JSONDecoder {
  /// Reads what `JSONEncoder.sorted` writes (non-finite numbers as "inf", "-inf", "nan").
  static var sorted: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}

extension MeanStd {
  /// "0.0712 ± 0.0031" (just the value for one seed).
  var formatted: String { count > 1 ? String(format: "%.4f ± %.4f", mean, std) : String(format: "%.4f", mean) }
}

extension Int {
  /// 12,345
  public var grouped: String {
    let digits = String(magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
      out.append(c)
    }
    return (self < 0 ? "-" : "") + out
  }
}
