// `reclite sweep`: the accuracy/cost trade-off of compressed students, as one page.

import ArgumentParser
import Foundation
import RecLiteToolkit
import RecLiteTrain

struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Train and compress a grid of students, evaluate every file through the runtime, and write an HTML report.",
    discussion: """
      The grid is student model × dimension × pruning × encoding × titles. Each
      student (model, dimension, pruning) is distilled from the teacher once —
      pruned students start from the dense one of the same dimension and are
      pruned under distillation, then fine-tuned — and exported in every encoding
      (f32, int8, int4, mixed) with and without titles. Every file is evaluated
      through the runtime on the same split: NDCG@10, HR@10 and AUC on test,
      NDCG@10 on validation, µs per top-10 request on one thread, and its bytes
      as weights against catalog. OUT/report.json holds every number and
      OUT/report/index.html (self-contained, no network) plots NDCG@10 against
      bytes and against µs with the Pareto frontiers and the teacher's line, the
      ROC curves and the training curves, and lists every point.

      --max-bytes and --max-latency-us name the point with the best validation
      NDCG@10 within the budget. Finished points are kept in OUT (models/,
      points/): a rerun with the same settings skips them. Pruning applies to the
      DeepFM student only: the two-tower's dense layers are precomputed into its
      item table at export.

      Examples:
        reclite sweep --data data/ml-latest-small --teacher out/demo/teacher-seed1.rlm --out out/sweep
        reclite sweep --data data/ml-latest-small --teacher out/demo/teacher-seed1.rlm --max-bytes 300000 --out out/sweep
        reclite sweep --data data/ml-latest-small --models two-tower --dims 8,12 --encodings int8,int4 --out out/small
      """
  )

  @OptionGroup var input: DataOptions

  @Option(help: ArgumentHelp("The teacher as a .rlm model (default: train the pipeline's teacher first, several minutes).", valueName: "file"))
  var teacher: String?

  @Option(help: ArgumentHelp("The teacher as a user,item,logit CSV (raw ids); the report then has no teacher line.", valueName: "file"))
  var teacherScores: String?

  @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
  var out = "out/sweep"

  @Option(help: ArgumentHelp("Student models, comma-separated: two-tower, student (the DeepFM student).", valueName: "list"))
  var models = SweepConfig.defaultModels.map(\.rawValue).joined(separator: ",")

  @Option(help: ArgumentHelp("Embedding dimensions, comma-separated.", valueName: "list"))
  var dims = SweepConfig.defaultDims.map(String.init).joined(separator: ",")

  @Option(help: ArgumentHelp("Fractions pruned, comma-separated, each in [0, 1); 0 = dense.", valueName: "list"))
  var sparsities = SweepConfig.defaultSparsities.map { String($0) }.joined(separator: ",")

  @Flag(help: "Prune whole neurons instead of single weights.")
  var structured = false

  @Option(help: ArgumentHelp("Rare-item row sharing thresholds, comma-separated (0 = off).", valueName: "list"))
  var minCounts = "0"

  @Option(help: ArgumentHelp("Encodings, comma-separated: f32, int8, int4, mixed.", valueName: "list"))
  var encodings = SweepConfig.defaultEncodings.joined(separator: ",")

  @Option(help: ArgumentHelp("Catalog forms, comma-separated: full (with titles), none (ids only).", valueName: "list"))
  var titles = "full,none"

  @Option(help: "Seed for every student's initialization, sampling and evaluation.")
  var seed: UInt64 = 1

  @Option(help: "Scale every model's epochs by this factor (e.g. 0.2 for a quick smoke run).")
  var epochScale = 1.0

  @Option(help: ArgumentHelp("Budget: the largest file, in bytes.", valueName: "bytes"))
  var maxBytes: Int?

  @Option(help: ArgumentHelp("Budget: the slowest mean top-10 request, in µs.", valueName: "µs"))
  var maxLatencyUs: Double?

  @Flag(help: "No progress output.")
  var quiet = false

  func validate() throws {
    guard teacher == nil || teacherScores == nil else { throw ValidationError("give at most one of --teacher and --teacher-scores") }
    guard epochScale > 0 && epochScale <= 10 else { throw ValidationError("--epoch-scale must be within (0, 10]") }
    if let maxBytes, maxBytes <= 0 { throw ValidationError("--max-bytes must be positive") }
    if let maxLatencyUs, !(maxLatencyUs > 0) { throw ValidationError("--max-latency-us must be positive") }
    _ = try config()
  }

  /// The sweep's settings from the options; a list that does not parse names its option.
  func config() throws -> SweepConfig {
    func list<T>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
      let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      if text.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
      return try parts.map { part in
        guard let value = parse(part) else { throw ValidationError("\(option): cannot read \"\(part)\"") }
        return value
      }
    }
    var config = SweepConfig(data: input.source)
    config.minRating = input.minRating
    config.teacher = teacher.map { .file($0) } ?? teacherScores.map { .scores($0) } ?? .train
    config.models = try list(models, "--models") { SweepModel(rawValue: $0) }
    config.dims = try list(dims, "--dims") { Int($0) }
    config.sparsities = try list(sparsities, "--sparsities") { Double($0) }
    config.structured = structured
    config.minCounts = try list(minCounts, "--min-counts") { Int($0) }
    config.encodings = try list(encodings, "--encodings") { $0 }
    config.titles = try list(titles, "--titles") { ExportOptions.Titles(rawValue: $0) }
    config.seed = seed
    config.epochScale = epochScale
    config.maxBytes = maxBytes
    config.maxLatencyMicroseconds = maxLatencyUs
    config.progress = !quiet
    do { _ = try config.students() } catch let error as SweepGridError { throw ValidationError(error.description) }
    return config
  }

  func run() throws {
    let report: SweepReport
    do {
      report = try SweepRun.run(try config(), output: URL(fileURLWithPath: out))
    } catch let error as SweepGridError {
      throw CommandFailure(error.description)
    }
    print(SweepText.render(report, directory: out), terminator: "")
  }
}
