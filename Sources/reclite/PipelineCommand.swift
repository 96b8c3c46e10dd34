// `reclite pipeline`: data → teacher → students with and without distillation
// → .rlm files → evaluation through the runtime → one summary table.

import ArgumentParser
import Foundation
import RecLiteToolkit
import RecLiteTrain

struct PipelineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pipeline",
    abstract: "Train a teacher, distill students, export, and evaluate everything through the runtime.",
    discussion: """
      For each seed: splits the data per user by time (the last 10% of each
      user's interactions for test, the 10% before for validation), trains the
      DeepFM teacher, trains a small DeepFM student and a two-tower student both
      without and with distillation from the teacher, exports every model to a
      .rlm file (students also as int8), evaluates each file through the
      runtime by full ranking (HR, NDCG, precision, recall, F1 at 5/10/20, AUC),
      times top-10 requests, and compares models paired over users with a
      bootstrap interval. Beside them it evaluates two baselines the teacher
      has to beat: popularity and implicit-feedback ALS (64 factors; about 10 s
      per seed on ml-latest-small; --no-als leaves it out). The teacher is the
      DeepFM with that ALS score fused into its logit at --als-fusion's share
      (a blend ranks better than either alone); the plain DeepFM is reported
      as teacher-deepfm. Writes the .rlm files, report.md and report.json to
      --out.

      An event log — a generic CSV with --context-column (hour, weekday, room,
      ...) — keeps every row as an event, repeats included. Every model learns
      the context (DeepFM: context fields in the FM and the MLP; two-tower: in
      the request tower, so the item side stays precomputed) and exports it as
      the runtime's context features; each held-out event is ranked with its
      own context against the whole catalog. The report then has three hub
      baselines (popularity, popular-in-context, user-habit) and the distilled
      students without context instead of ALS, at NDCG@3 and HR@3.

      Examples:
        reclite pipeline --data data/ml-latest-small --out out/demo
        reclite pipeline --data data/ml-latest-small --seeds 1,2,3 --out out/seeds
        reclite pipeline --data data/ml-latest-small --seeds 1,2,3,4,5,6,7 --out out/seeds --resume
        reclite pipeline --interactions clicks.csv --user-column uid --item-column sku \\
          --timestamp-column ts --feature-column category --out out/clicks
        reclite pipeline --data data/ml-latest-small --teacher-scores teacher.csv --out out/byot
        reclite pipeline --interactions home.csv --user-column household --item-column action \\
          --timestamp-column timestamp --context-column hour --context-column weekday \\
          --context-column room --title-column action_name --feature-column device \\
          --context-baseline hour,room --habit-baseline hour --out out/home
      """
  )

  @OptionGroup var input: DataOptions

  @Option(help: ArgumentHelp("Output directory for models and reports.", valueName: "dir"))
  var out = "out/pipeline"

  @Option(help: ArgumentHelp("Comma-separated seeds; each trains every model anew.", valueName: "list"))
  var seeds = SeedList(argument: "1")!

  @Option(help: ArgumentHelp("Bring your own teacher: a user,item,logit CSV (raw ids) instead of training one.", valueName: "file"))
  var teacherScores: String?

  @OptionGroup(title: "Distillation (both students)") var loss: DistillationArguments

  @OptionGroup(title: "Compression (distilled students: pruning the DeepFM student, row sharing both)") var compression: CompressionArguments

  @Option(help: "Scale every model's epochs by this factor (e.g. 0.2 for a quick smoke run).")
  var epochScale: Double = 1

  @Flag(name: .customLong("no-als"), help: "Leave out the ALS baseline (and so its fusion into the teacher).")
  var noALS = false

  @Option(name: .customLong("als-fusion"), help: ArgumentHelp(
    "The ALS score's share of the teacher's ranking, in [0, 1); 0 keeps a plain DeepFM teacher.", valueName: "share"))
  var alsFusion: Float = PipelineDefaults.alsFusion

  @Option(help: ArgumentHelp(
    "Event logs: the context columns of the popular-in-context baseline, e.g. hour,room. (default: the first two context columns)",
    valueName: "list"))
  var contextBaseline: String?

  @Option(help: ArgumentHelp(
    "Event logs: the context columns of the user-habit baseline (the user's own most frequent action there). (default: the first context column)",
    valueName: "list"))
  var habitBaseline: String?

  @OptionGroup(title: "Model shapes (override the defaults)") var shapes: ModelShapeArguments

  @Flag(help: ArgumentHelp(
    "Go on with a run cut short: seeds it finished (OUT/seeds/seedN.json, kept after every seed) are restored, not trained again.",
    discussion: "The settings must be the run's own; the seed list may grow (e.g. --seeds 1,...,7 after --seeds 1,2,3)."))
  var resume = false

  @Flag(help: "No progress bars or step messages.")
  var quiet = false

  func validate() throws {
    guard epochScale > 0 && epochScale <= 10 else { throw ValidationError("--epoch-scale must be within (0, 10]") }
    guard alsFusion >= 0 && alsFusion < 1 else { throw ValidationError("--als-fusion must be within [0, 1)") }
  }

  func run() throws {
    var config = PipelineConfig(data: input.source)
    config.minRating = input.minRating
    config.seeds = seeds.seeds
    config.teacherScoresPath = teacherScores
    config.progress = !quiet
    if noALS { config.als = nil }
    if !input.source.hasContext { config.alsFusion = alsFusion }
    config.compression = compression.options
    config.contextBaseline = contextBaseline.map(columnList)
    config.habitBaseline = habitBaseline.map(columnList)
    shapes.apply(to: &config)
    for keyPath in [\PipelineConfig.distillation, \PipelineConfig.twoTowerDistillation] {
      config[keyPath: keyPath] = loss.applied(to: config[keyPath: keyPath])
    }
    for keyPath in [\PipelineConfig.teacherTraining, \PipelineConfig.studentTraining, \PipelineConfig.twoTowerTraining] {
      config[keyPath: keyPath].epochs = max(1, Int((Double(config[keyPath: keyPath].epochs) * epochScale).rounded()))
      config[keyPath: keyPath].validateFrom = min(config[keyPath: keyPath].validateFrom, config[keyPath: keyPath].epochs)
    }
    let outcome = try PipelineRun.run(config, output: URL(fileURLWithPath: out), resume: resume)
    print(PipelineRun.markdown(outcome), terminator: "")
  }
}

/// "hour,room" → ["hour", "room"].
func columnList(_ text: String) -> [String] {
  text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
