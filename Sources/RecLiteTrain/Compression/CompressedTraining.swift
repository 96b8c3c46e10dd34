// A student trained, then compressed while it keeps learning: the dense model is trained
// first (from the teacher when there is one), then pruned — by weight magnitude on the gradual
// schedule, or by removing whole neurons — and fine-tuned under the same loss, validating only
// the pruned epochs. Rare items can share the OOV row throughout (`ItemRowSharing`).

/// What to compress after (or while) training a student.
public struct CompressionOptions: Sendable, Codable, Equatable {
  /// Fraction pruned: of the dense weights (unstructured), or of each hidden layer's neurons
  /// (`structured`). 0 = no pruning.
  public var prune: Double = 0
  public var structured = false
  /// Items with fewer training interactions share the OOV item's row; 0 = off.
  public var minCount = 0
  /// Epochs of the unstructured ramp and mask updates per epoch (Zhu & Gupta's n·Δt).
  public var rampEpochs = CompressionOptions.defaultRampEpochs
  public var updatesPerEpoch = 10
  /// Epochs of fine-tuning after the ramp (or after removing neurons), with early stopping.
  public var fineTuneEpochs = CompressionOptions.defaultFineTuneEpochs

  /// Fixed, not tuned: a ramp of 3 epochs as in Zhu & Gupta's short schedules, then up to 10
  /// epochs of fine-tuning with early stopping on validation NDCG@10.
  public static let defaultRampEpochs = 3
  public static let defaultFineTuneEpochs = 10

  public init(prune: Double = 0, structured: Bool = false, minCount: Int = 0) {
    self.prune = prune
    self.structured = structured
    self.minCount = minCount
  }

  /// No pruning and no sharing.
  public var isNone: Bool { prune == 0 && minCount == 0 }

  /// Short, file-name safe description: "s80" (80% of weights), "n50" (50% of neurons),
  /// "mc3" (items seen fewer than 3 times share a row), joined by dashes; "" when nothing.
  public var label: String {
    var parts: [String] = []
    if prune > 0 { parts.append((structured ? "n" : "s") + String(Int((prune * 100).rounded()))) }
    if minCount > 0 { parts.append("mc\(minCount)") }
    return parts.joined(separator: "-")
  }
}

/// A compressed student and how it got there.
public struct CompressedModel<Model: TrainableModel> {
  /// The model with any sharing written into its rows (see `SharedItemRows.shared`).
  public var model: Model
  /// The dense phase, then the pruning phase (epochs numbered on from the dense phase's).
  public var history: TrainingHistory
  public var sharing: ItemRowSharing?
  /// The dense model before pruning (to warm-start other pruning levels from).
  public var dense: Model
}

public enum CompressionError: Error, CustomStringConvertible {
  case option(String)
  public var description: String {
    switch self {
    case .option(let message): return message
    }
  }
}

/// Trains `initial` with `options` (distilling when `teacher` is given), then prunes and
/// fine-tunes it per `compression`. `warmStart`, a dense model already trained this way with
/// the same sharing, skips the dense phase.
public func trainCompressed<Model: ItemRowsSharable & NeuronPrunable>(
  _ initial: Model, split: Split, options: TrainingOptions, teacher: (any TeacherScores)?,
  distillation: DistillationOptions?, compression: CompressionOptions, progress: ProgressBar? = nil,
  warmStart: Model? = nil
) throws -> CompressedModel<Model> {
  guard compression.prune >= 0 && compression.prune < 1 else {
    throw CompressionError.option("--prune must be in [0, 1) (a fraction pruned), not \(compression.prune)")
  }
  guard compression.minCount >= 0 else { throw CompressionError.option("--min-count must not be negative") }
  let sharing = compression.minCount > 0
    ? ItemRowSharing(trainCounts: itemCounts(split), minCount: compression.minCount) : nil

  func run(_ model: Model, _ options: TrainingOptions, pruning: PruningOptions?) -> (Model, TrainingHistory) {
    if let sharing {
      let (trained, history) = train(
        SharedItemRows(model, sharing: sharing), split: split, options: options, teacher: teacher,
        distillation: distillation, progress: progress, pruning: pruning)
      return (trained.shared, history)
    }
    return train(model, split: split, options: options, teacher: teacher, distillation: distillation, progress: progress, pruning: pruning)
  }

  var history = TrainingHistory()
  let dense: Model
  if let warmStart {
    dense = warmStart
  } else {
    (dense, history) = run(initial, options, pruning: nil)
  }
  guard compression.prune > 0 else { return CompressedModel(model: dense, history: history, sharing: sharing, dense: dense) }

  var fineTune = options
  fineTune.validateFrom = 1
  let pruned: (Model, TrainingHistory)
  if compression.structured {
    fineTune.epochs = compression.fineTuneEpochs
    pruned = run(try dense.removingNeurons(fraction: compression.prune), fineTune, pruning: nil)
  } else {
    fineTune.epochs = compression.rampEpochs + compression.fineTuneEpochs
    let schedule = PruningOptions(
      sparsity: compression.prune, startEpoch: 1, rampEpochs: compression.rampEpochs, updatesPerEpoch: compression.updatesPerEpoch)
    pruned = run(dense, fineTune, pruning: schedule)
  }
  return CompressedModel(model: pruned.0, history: history.followed(by: pruned.1), sharing: sharing, dense: dense)
}

/// Training interactions per item row.
public func itemCounts(_ split: Split) -> [Int] {
  var counts = [Int](repeating: 0, count: split.itemCount)
  for item in split.train.items { counts[Int(item)] += 1 }
  return counts
}

extension TrainingHistory {
  /// This run's epochs, then `next`'s numbered on from them; the best epoch and score are
  /// `next`'s (the model kept is the last phase's).
  func followed(by next: TrainingHistory) -> TrainingHistory {
    var joined = self
    let offset = epochs.count
    joined.epochs += next.epochs.map { var e = $0; e.epoch += offset; return e }
    joined.bestEpoch = next.bestEpoch + offset
    joined.bestValidationNDCG10 = next.bestValidationNDCG10
    joined.seconds += next.seconds
    return joined
  }
}
