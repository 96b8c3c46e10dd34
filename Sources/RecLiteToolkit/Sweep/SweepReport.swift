// What a sweep measured (report.json), the Pareto frontiers, and the point a budget picks.

import Foundation
import RecLiteTrain

/// Metrics of one model file through the runtime.
public struct SweepMetrics: Sendable, Codable {
  /// Validation NDCG@10 (what budgets choose by) and the test metrics (what the report plots).
  public var validationNDCG10: Double
  public var ndcg10: Double
  public var hr10: Double
  public var auc: Double?
  public var roc: [RocPoint]?
  public var microseconds: Double
  public var fileBytes: Int
  public var bytes: FileBytes
}

/// One evaluated file.
public struct SweepPoint: Sendable, Codable {
  public var name: String
  public var key: SweepPointKey
  /// The sweep settings it was made with (a rerun reuses it only when they match).
  public var fingerprint: String
  public var file: String
  public var parameters: Int
  /// Zero weights in the prunable layers.
  public var sparsity: Double
  public var metrics: SweepMetrics
  /// CSR measurements of the pruned layers (empty when none was measured).
  public var csr: [SparseLayerChoice.Measurement]
  public var sharedItems: Int
  /// The point of the same weights (another catalog form) whose validation and test metrics this
  /// file shares, its catalog scores having been checked bit-identical; nil when evaluated itself.
  public var metricsOf: String? = nil
}

/// One trained student: its training curves.
public struct SweepStudentRecord: Sendable, Codable {
  public var name: String
  public var student: SweepStudent
  public var fingerprint: String
  public var parameters: Int
  public var history: TrainingHistory
}

/// The reference the points are compared with.
public struct SweepTeacherRecord: Sendable, Codable {
  public var source: String
  public var fingerprint: String
  /// Nil when the teacher is a file of scores (nothing to measure through the runtime).
  public var metrics: SweepMetrics?
}

public struct SweepReport: Sendable, Codable {
  public var config: SweepConfig
  public var dataset: String
  public var teacher: SweepTeacherRecord
  public var students: [SweepStudentRecord]
  public var points: [SweepPoint]
  public var skipped: [String]
  /// Points on the Pareto frontier of test NDCG@10 against file bytes, and against µs/request.
  public var frontierBytes: [String]
  public var frontierLatency: [String]
  /// The point with the best validation NDCG@10 within the budget (all points without one).
  public var chosen: String?
  public var budget: String
  public var seconds: Double
}

public enum SweepChoice {
  /// Names of the points no other point beats on both `cost` (lower) and test NDCG@10
  /// (higher), cheapest first.
  public static func frontier(_ points: [SweepPoint], cost: (SweepPoint) -> Double) -> [String] {
    let sorted = points.sorted { cost($0) != cost($1) ? cost($0) < cost($1) : $0.metrics.ndcg10 > $1.metrics.ndcg10 }
    var best = -Double.infinity
    var names: [String] = []
    for point in sorted where point.metrics.ndcg10 > best {
      names.append(point.name)
      best = point.metrics.ndcg10
    }
    return names
  }

  /// The point with the best validation NDCG@10 among those within the budgets (ties: fewer
  /// bytes), or an error naming the option no point meets.
  public static func choose(_ points: [SweepPoint], maxBytes: Int?, maxMicroseconds: Double?) throws -> SweepPoint? {
    var fitting = points
    if let maxBytes {
      fitting = fitting.filter { $0.metrics.fileBytes <= maxBytes }
      guard !fitting.isEmpty else {
        let smallest = points.map(\.metrics.fileBytes).min().map { $0.grouped } ?? "-"
        throw SweepGridError.option("no point meets --max-bytes \(maxBytes.grouped) (the smallest file is \(smallest) bytes)")
      }
    }
    if let maxMicroseconds {
      let within = fitting.filter { $0.metrics.microseconds <= maxMicroseconds }
      guard !within.isEmpty else {
        let fastest = fitting.map(\.metrics.microseconds).min().map { String(format: "%.1f", $0) } ?? "-"
        throw SweepGridError.option(
          "no point meets --max-latency-us \(maxMicroseconds)\(maxBytes == nil ? "" : " within --max-bytes") (the fastest is \(fastest) µs)")
      }
      fitting = within
    }
    return fitting.max { a, b in
      a.metrics.validationNDCG10 != b.metrics.validationNDCG10
        ? a.metrics.validationNDCG10 < b.metrics.validationNDCG10 : a.metrics.fileBytes > b.metrics.fileBytes
    }
  }

  /// "--max-bytes 300,000, --max-latency-us 50" or "no budget".
  static func describe(maxBytes: Int?, maxMicroseconds: Double?) -> String {
    var parts: [String] = []
    if let maxBytes { parts.append("--max-bytes \(maxBytes.grouped)") }
    if let maxMicroseconds { parts.append(String(format: "--max-latency-us %g", maxMicroseconds)) }
    return parts.isEmpty ? "no budget" : parts.joined(separator: ", ")
  }
}
