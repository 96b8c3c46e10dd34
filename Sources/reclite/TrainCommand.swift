// `reclite train`: one model from scratch, exported and evaluated through the runtime.

import ArgumentParser
import Foundation
import RecLiteToolkit
import RecLiteTrain

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a teacher or a student from scratch (hard labels) and export it to .rlm.",
    discussion: """
      Splits the data per user by time, trains with binary cross-entropy on each
      user's training interactions and sampled negatives (Adam, early stopping
      on validation NDCG@10), writes the model to --out and evaluates the
      written file through the runtime on the test split.

      Examples:
        reclite train --data data/ml-latest-small --model teacher --out out/teacher.rlm
        reclite train --data data/ml-latest-small --model student --dim 8 --hidden 32,16 --out out/student.rlm
        reclite train --interactions clicks.csv --model two-tower --encoding int8 --out out/tower.rlm
      """
  )

  @OptionGroup var input: DataOptions
  @OptionGroup var model: ModelArguments

  @Option(name: .customLong("als-fusion"), help: ArgumentHelp(
    "After training a DeepFM, fit ALS (64 factors) and fuse its score into the logit at this share of the ranking, in [0, 1). (default: \(PipelineDefaults.alsFusion) for the teacher, 0 for the student)",
    valueName: "share"))
  var alsFusion: Float?

  func validate() throws {
    guard let alsFusion else { return }
    guard alsFusion >= 0 && alsFusion < 1 else { throw ValidationError("--als-fusion must be within [0, 1)") }
    if alsFusion > 0 && model.model == .twoTower { throw ValidationError("--als-fusion applies to DeepFM models, not two-tower") }
  }

  func run() throws {
    let (dataset, split) = try loadData(input, quiet: model.quiet)
    // ALS factors users × items: no place for an event log's context.
    let share = alsFusion ?? (model.model == .teacher && !dataset.isEventLog ? PipelineDefaults.alsFusion : 0)
    try trainExportAndReport(
      model, dataset: dataset, split: split, teacher: nil, distillation: nil, alsFusion: share,
      provenance: ["dataset": dataset.source, "command": "reclite train"])
  }
}
