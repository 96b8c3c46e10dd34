// `reclite distill`: a student trained on hard labels and a teacher's soft labels.

import ArgumentParser
import Foundation
import RecLiteRuntime
import RecLiteToolkit
import RecLiteTrain

struct DistillCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "distill",
    abstract: "Distill a student from a teacher (.rlm model or a file of logits) and export it.",
    discussion: """
      The student's loss is α·BCE(hard labels) + (1 − α)·T²·BCE(σ(z_s/T), σ(z_t/T))
      on each user's training interactions and sampled negatives (plus, with
      --top-k, the teacher's best unseen items), and with --beta a
      ranking-distillation term on the teacher's top-K. The teacher is either a
      .rlm model (its logits are computed through the runtime for every user
      and item) or a CSV of user,item,logit rows with raw ids, so a teacher
      trained anywhere (PyTorch, Spark) can be distilled.

      Examples:
        reclite distill --data data/ml-latest-small --teacher out/teacher.rlm --out out/student.rlm
        reclite distill --data data/ml-latest-small --teacher-scores logits.csv --model two-tower --out out/tower.rlm
      """
  )

  @OptionGroup var input: DataOptions
  @OptionGroup var model: ModelArguments

  @Option(help: ArgumentHelp("The teacher as a .rlm model.", valueName: "file"))
  var teacher: String?

  @Option(help: ArgumentHelp("The teacher as a CSV with columns user,item,logit (raw ids).", valueName: "file"))
  var teacherScores: String?

  @Option(help: "Weight of the hard-label loss (the soft-label loss gets 1 − alpha). (default: 0.5)")
  var alpha: Float?

  @Option(help: "Temperature of the soft labels. (default: 1)")
  var temperature: Float?

  @Option(help: "The teacher's top-K unseen items per user also carry soft labels, 0 = none. (default: 10 for student, 0 for two-tower)")
  var topK: Int?

  @Option(help: "Weight of the ranking-distillation term, 0 = off. (default: 0)")
  var beta: Float?

  /// The validation-swept defaults of the chosen student, overridden by the options given.
  var distillation: DistillationOptions {
    var options = model.model == .twoTower ? PipelineDefaults.twoTowerDistillation : PipelineDefaults.distillation
    if let alpha { options.alpha = alpha }
    if let temperature { options.temperature = temperature }
    if let topK { options.topK = topK }
    if let beta { options.beta = beta }
    return options
  }

  func validate() throws {
    guard (teacher == nil) != (teacherScores == nil) else {
      throw ValidationError("give exactly one of --teacher (a .rlm model) and --teacher-scores (a CSV of logits)")
    }
    let options = distillation
    guard (0...1).contains(options.alpha) else { throw ValidationError("--alpha must be within 0...1") }
    guard options.temperature > 0 else { throw ValidationError("--temperature must be positive") }
    guard options.topK >= 0, options.beta >= 0 else { throw ValidationError("--top-k and --beta must not be negative") }
  }

  func run() throws {
    let (dataset, split) = try loadData(input, quiet: model.quiet)
    let scores: any TeacherScores
    var provenance = ["dataset": dataset.source, "command": "reclite distill"]
    if let teacher {
      let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: teacher)))
      let scorer = try RuntimeScorer(bytes: bytes, userIds: dataset.userIds, itemIds: dataset.itemIds)
      scores = DenseTeacherScores(scorer: scorer, userCount: dataset.userCount)
      provenance["teacher"] = teacher
    } else if let teacherScores {
      scores = try FileTeacherScores(path: teacherScores, dataset: dataset)
      provenance["teacher"] = teacherScores
    } else {
      throw CommandFailure("no teacher given")
    }
    try trainExportAndReport(model, dataset: dataset, split: split, teacher: scores, distillation: distillation, provenance: provenance)
  }
}
