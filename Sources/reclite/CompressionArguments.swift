// The compression options shared by `distill` and `pipeline`: pruning under distillation and
// rare-item row sharing.

import ArgumentParser
import RecLiteTrain

struct CompressionArguments: ParsableArguments {
  @Option(help: ArgumentHelp(
    "Prune this fraction of the student's dense weights (by magnitude, on Zhu & Gupta's gradual schedule, then fine-tuned under distillation), or with --structured of each hidden layer's neurons; in [0, 1).",
    valueName: "fraction"))
  var prune: Double = 0

  @Flag(help: "Prune whole neurons (the layers shrink, no sparse format) instead of single weights.")
  var structured = false

  @Option(help: ArgumentHelp(
    "Items with fewer training interactions than this are scored as the unknown item and share its row (one stored row, through a row remap); 0 = off.",
    valueName: "n"))
  var minCount = 0

  @Option(help: "Epochs of fine-tuning after pruning (early stopping on validation). (default: \(CompressionOptions.defaultFineTuneEpochs))")
  var fineTuneEpochs: Int?

  func validate() throws {
    guard prune >= 0 && prune < 1 else { throw ValidationError("--prune must be in [0, 1) (a fraction), not \(prune)") }
    guard !structured || prune > 0 else { throw ValidationError("--structured needs --prune (the fraction of neurons to remove)") }
    guard minCount >= 0 else { throw ValidationError("--min-count must not be negative") }
    if let fineTuneEpochs, fineTuneEpochs < 1 { throw ValidationError("--fine-tune-epochs must be at least 1") }
  }

  var options: CompressionOptions {
    var options = CompressionOptions(prune: prune, structured: structured, minCount: minCount)
    if let fineTuneEpochs { options.fineTuneEpochs = fineTuneEpochs }
    return options
  }
}
