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

  func run() throws {
    let (dataset, split) = try loadData(input, quiet: model.quiet)
    try trainExportAndReport(
      model, dataset: dataset, split: split, teacher: nil, distillation: nil,
      provenance: ["dataset": dataset.source, "command": "reclite train"])
  }
}
