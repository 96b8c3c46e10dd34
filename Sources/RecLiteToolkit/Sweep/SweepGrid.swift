// The grid a sweep runs: students (model × dimension × compression) trained once each, every
// one exported in every encoding and catalog form; each exported file is a point.

import RecLiteTrain

/// Which student architecture a sweep point uses.
public enum SweepModel: String, Sendable, Codable, CaseIterable {
  case twoTower = "two-tower"
  case student

  /// Whether the exported model runs dense layers per candidate, where pruning saves work; the
  /// two-tower's item tower is precomputed into its item table, so pruning it saves nothing.
  var hasPerCandidateLayers: Bool { self == .student }
}

/// Where the sweep's teacher comes from.
public enum SweepTeacher: Sendable, Codable, Equatable {
  /// A .rlm model: its logits through the runtime, and the report's reference line.
  case file(String)
  /// A user,item,logit CSV: no reference line (there is no model file to measure).
  case scores(String)
  /// The pipeline's teacher, trained first (DeepFM with ALS fused in).
  case train
}

public struct SweepConfig: Sendable, Codable {
  public var data: DataSource
  public var minRating: Double?
  public var teacher: SweepTeacher = .train
  public var models: [SweepModel] = SweepConfig.defaultModels
  public var dims: [Int] = SweepConfig.defaultDims
  /// Fractions pruned (0 = dense); with `structured`, of each hidden layer's neurons.
  public var sparsities: [Double] = SweepConfig.defaultSparsities
  public var structured = false
  public var minCounts: [Int] = [0]
  /// Encoding presets by name: f32, int8, int4, mixed.
  public var encodings: [String] = SweepConfig.defaultEncodings
  public var titles: [ExportOptions.Titles] = [.full, .none]
  public var seed: UInt64 = 1
  /// Scales every student's epochs (and the fine-tuning's), for quick runs.
  public var epochScale = 1.0
  public var maxBytes: Int?
  public var maxLatencyMicroseconds: Double?
  public var progress = true

  public init(data: DataSource) { self.data = data }

  /// The default grid: 9 students, 72 points. Its measured time (README, Compression) is
  /// dominated by the DeepFM students' training; narrow --models or --dims for a quicker run.
  public static let defaultModels: [SweepModel] = [.twoTower, .student]
  public static let defaultDims = [4, 8, 12]
  public static let defaultSparsities = [0, 0.8]
  public static let defaultEncodings = ["f32", "int8", "int4", "mixed"]

  /// What must match for a rerun to reuse finished points.
  var fingerprint: String {
    "data \(data) min-rating \(minRating.map { "\($0)" } ?? "-") teacher \(teacher) seed \(seed) epoch-scale \(epochScale) structured \(structured)"
  }
}

/// One training run of the grid.
public struct SweepStudent: Sendable, Codable, Equatable {
  public var model: SweepModel
  public var dim: Int
  public var compression: CompressionOptions

  /// "two-tower-d8", "student-d6-s80", "student-d6-n50-mc3".
  public var name: String {
    let label = compression.label
    return "\(model.rawValue)-d\(dim)" + (label.isEmpty ? "" : "-" + label)
  }

  /// The same student without pruning: what pruned students warm-start from.
  var dense: SweepStudent {
    var copy = self
    copy.compression.prune = 0
    copy.compression.structured = false
    return copy
  }
}

/// One exported file of the grid.
public struct SweepPointKey: Sendable, Codable, Equatable {
  public var student: SweepStudent
  public var encoding: String
  public var titles: ExportOptions.Titles

  var options: ExportOptions {
    var options = ExportOptions.named(encoding) ?? .exact
    options.titles = titles
    return options
  }

  /// "two-tower-d8-int4-notitles-seed1" (file-name safe: letters, digits, dashes).
  func name(seed: UInt64) -> String { "\(student.name)-\(options.label)-seed\(seed)" }
}

public enum SweepGridError: Error, CustomStringConvertible {
  case option(String)
  public var description: String {
    switch self {
    case .option(let message): return message
    }
  }
}

extension SweepConfig {
  /// The students to train, in order (dense ones before the pruned ones that start from them),
  /// and the combinations left out with the reason.
  public func students() throws -> (students: [SweepStudent], skipped: [String]) {
    guard !models.isEmpty else { throw SweepGridError.option("--models is empty: the grid has no point") }
    guard !dims.isEmpty else { throw SweepGridError.option("--dims is empty: the grid has no point") }
    guard !sparsities.isEmpty else { throw SweepGridError.option("--sparsities is empty: the grid has no point (0 = dense)") }
    guard !encodings.isEmpty else { throw SweepGridError.option("--encodings is empty: the grid has no point") }
    guard !titles.isEmpty else { throw SweepGridError.option("--titles is empty: the grid has no point") }
    guard !minCounts.isEmpty else { throw SweepGridError.option("--min-counts is empty: the grid has no point (0 = off)") }
    for dim in dims where !(1...256).contains(dim) { throw SweepGridError.option("--dims: \(dim) is outside 1...256") }
    for s in sparsities where !(s >= 0 && s < 1) { throw SweepGridError.option("--sparsities: \(s) is outside [0, 1)") }
    for n in minCounts where n < 0 { throw SweepGridError.option("--min-counts: \(n) is negative") }
    for e in encodings where ExportOptions.named(e) == nil {
      throw SweepGridError.option("--encodings: \(e) is not one of f32, int8, int4, mixed")
    }
    var students: [SweepStudent] = []
    var skipped: [String] = []
    for model in models {
      for dim in dims {
        for minCount in minCounts {
          for sparsity in sparsities.sorted() {
            let student = SweepStudent(
              model: model, dim: dim, compression: CompressionOptions(prune: sparsity, structured: structured && sparsity > 0, minCount: minCount))
            if sparsity > 0 && !model.hasPerCandidateLayers {
              skipped.append("\(student.name): the two-tower's only dense layers are precomputed into its item table, so pruning them saves nothing")
              continue
            }
            if !students.contains(student) { students.append(student) }
          }
        }
      }
    }
    guard !students.isEmpty else {
      throw SweepGridError.option("the grid has no point: " + skipped.joined(separator: "; ") + " (--models, --sparsities)")
    }
    return (students, skipped)
  }

  /// Every point of a student.
  func points(of student: SweepStudent) -> [SweepPointKey] {
    encodings.flatMap { encoding in titles.map { SweepPointKey(student: student, encoding: encoding, titles: $0) } }
  }
}
