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
      ranking-distillation term on the teacher's top-K. With --listwise-weight γ
      it adds γ·T_l²·KL(softmax(z_t/T_l) ‖ softmax(z_s/T_l)) over each user's
      unseen items (the teacher's best and a fresh sample of the rest, see
      --listwise-candidates), which teaches the order of the whole ranking; the
      two-tower student uses it by default. The teacher is either a
      .rlm model (its logits are computed through the runtime for every user
      and item) or a CSV of user,item,logit rows with raw ids, so a teacher
      trained anywhere (PyTorch, Spark) can be distilled.

      Examples:
        reclite distill --data data/ml-latest-small --teacher out/teacher.rlm --out out/student.rlm
        reclite distill --data data/ml-latest-small --teacher-scores logits.csv --model two-tower --out out/tower.rlm
        reclite distill --data data/ml-latest-small --teacher out/teacher.rlm --prune 0.8 --encoding int8 --out out/pruned.rlm
      """
  )

  @OptionGroup var input: DataOptions
  @OptionGroup var model: ModelArguments

  @Option(help: ArgumentHelp("The teacher as a .rlm model.", valueName: "file"))
  var teacher: String?

  @Option(help: ArgumentHelp("The teacher as a CSV with columns user,item,logit (raw ids).", valueName: "file"))
  var teacherScores: String?

  @OptionGroup var loss: DistillationArguments

  @OptionGroup(title: "Compression") var compression: CompressionArguments

  func validate() throws {
    guard (teacher == nil) != (teacherScores == nil) else {
      throw ValidationError("give exactly one of --teacher (a .rlm model) and --teacher-scores (a CSV of logits)")
    }
  }

  func run() throws {
    let (dataset, split) = try loadData(input, quiet: model.quiet)
    let scores: any TeacherScores
    var provenance = ["dataset": dataset.source, "command": "reclite distill"]
    if let teacher {
      let opened: (scorer: RuntimeScorer, warning: String?)
      do { opened = try TeacherFile.open(teacher, dataset: dataset) } catch let refusal as TeacherFile.Refusal {
        throw CommandFailure(refusal.description)
      }
      if let warning = opened.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
      scores = DenseTeacherScores(scorer: opened.scorer, userCount: split.userCount)
      provenance["teacher"] = teacher
    } else if let teacherScores {
      scores = try FileTeacherScores(path: teacherScores, dataset: dataset)
      provenance["teacher"] = teacherScores
    } else {
      throw CommandFailure("no teacher given")
    }
    let defaults = dataset.isEventLog
      ? (model.model == .twoTower ? EventLogDefaults.twoTowerDistillation : EventLogDefaults.distillation)
      : (model.model == .twoTower ? PipelineDefaults.twoTowerDistillation : PipelineDefaults.distillation)
    try trainExportAndReport(
      model, dataset: dataset, split: split, teacher: scores, distillation: loss.applied(to: defaults),
      compression: compression.options, provenance: provenance)
  }
}
