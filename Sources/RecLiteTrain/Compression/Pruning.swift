// Unstructured magnitude pruning of a model's dense layers while it trains (under distillation
// when the run has a teacher): Zhu & Gupta's gradual schedule ("To prune, or not to prune",
// 2017) raises the sparsity from s_i to s_f over n mask updates,
//
//   s_t = s_f + (s_i − s_f)·(1 − (t − t_0)/(n·Δt))³   for t_0 ≤ t ≤ t_0 + n·Δt,
//
// pruning fast while many weights are redundant and slowly as few are left; after the ramp the
// masks are fixed and training goes on (fine-tuning). Each update ranks every prunable weight
// of every layer together by magnitude (global pruning) and zeroes the smallest; pruned weights
// stay zero after every optimizer step.

/// How to prune a model's dense weights during training.
public struct PruningOptions: Sendable, Codable, Equatable {
  /// Final fraction of prunable weights that are zero, in [0, 1).
  public var sparsity: Double
  /// Epoch whose first step starts the ramp (1 = from the start; later epochs train dense first).
  public var startEpoch: Int
  /// Epochs the ramp lasts; pruning is complete at the end of epoch startEpoch + rampEpochs − 1.
  public var rampEpochs: Int
  /// Mask updates per epoch during the ramp (Δt = steps per epoch / this).
  public var updatesPerEpoch: Int

  public init(sparsity: Double, startEpoch: Int = 1, rampEpochs: Int = 3, updatesPerEpoch: Int = 10) {
    self.sparsity = sparsity
    self.startEpoch = startEpoch
    self.rampEpochs = rampEpochs
    self.updatesPerEpoch = updatesPerEpoch
  }

  /// The first epoch whose weights have the final sparsity (epochs before it are never kept).
  public var firstPrunedEpoch: Int { startEpoch + rampEpochs - 1 }
}

/// Zhu & Gupta's cubic sparsity schedule over training steps.
public struct CubicSparsitySchedule: Sendable, Equatable {
  public let initial: Double
  public let final: Double
  /// First step of the ramp (t_0) and its length in steps (n·Δt).
  public let start: Int
  public let length: Int

  public init(initial: Double = 0, final: Double, start: Int, length: Int) {
    self.initial = initial
    self.final = final
    self.start = start
    self.length = max(1, length)
  }

  /// s_t: `initial` before the ramp, `final` after it.
  public func sparsity(atStep t: Int) -> Double {
    guard t > start else { return initial }
    let progress = min(1, Double(t - start) / Double(length))
    let remaining = 1 - progress
    return final + (initial - final) * remaining * remaining * remaining
  }
}

/// The dense weights pruning applies to: every dense layer's weight matrix except those with
/// one output (a logit layer: a handful of weights whose loss costs most and saves least).
public func prunableSlots<Model: TrainableModel>(_ model: Model) -> [ParameterSlot<Model>] {
  model.parameterSlots.filter { $0.sparseRowWidth == nil && $0.shape.count == 2 && $0.shape[0] > 1 }
}

/// Keeps the masks of one training run and applies them to the model after every step.
public struct MagnitudePruner<Model: TrainableModel> {
  public let schedule: CubicSparsitySchedule
  /// Steps between mask updates during the ramp.
  public let interval: Int
  private let slots: [ParameterSlot<Model>]
  /// Per slot: true where the weight is kept.
  private(set) var masks: [[Bool]]

  /// A pruner for training that takes `stepsPerEpoch` steps per epoch.
  public init(model: Model, options: PruningOptions, stepsPerEpoch: Int) {
    slots = prunableSlots(model)
    masks = slots.map { [Bool](repeating: true, count: $0.count) }
    interval = max(1, stepsPerEpoch / max(1, options.updatesPerEpoch))
    schedule = CubicSparsitySchedule(
      final: options.sparsity, start: (options.startEpoch - 1) * stepsPerEpoch, length: options.rampEpochs * stepsPerEpoch)
  }

  /// After optimizer step `step` (0-based): updates the masks when one is due, then zeroes the
  /// pruned weights.
  public mutating func afterStep(_ step: Int, model: inout Model) {
    let due = step >= schedule.start && step <= schedule.start + schedule.length
      && ((step - schedule.start) % interval == 0 || step == schedule.start + schedule.length)
    if due { updateMasks(model, sparsity: schedule.sparsity(atStep: step)) }
    apply(to: &model)
  }

  /// Zeroes the pruned weights of `model` (also used on the moving average before it is kept).
  public func apply(to model: inout Model) {
    for (s, slot) in slots.enumerated() {
      model[keyPath: slot.path].withUnsafeMutableBufferPointer { w in
        for i in 0..<w.count where !masks[s][i] { w[i] = 0 }
      }
    }
  }

  /// Masks keeping the largest-magnitude weights over all slots so that `sparsity` of them are
  /// pruned; a weight pruned once stays pruned (the schedule only grows).
  mutating func updateMasks(_ model: Model, sparsity: Double) {
    var magnitudes: [Float] = []
    for (s, slot) in slots.enumerated() {
      let w = model[keyPath: slot.path]
      for i in w.indices { magnitudes.append(masks[s][i] ? abs(w[i]) : -1) }
    }
    let prune = min(magnitudes.count, Int((sparsity * Double(magnitudes.count)).rounded()))
    guard prune > 0 else { return }
    // Pruned weights (−1) sort first, so the prune smallest entries include them.
    let order = magnitudes.indices.sorted { magnitudes[$0] != magnitudes[$1] ? magnitudes[$0] < magnitudes[$1] : $0 < $1 }
    var offsets: [Int] = [0]
    for slot in slots { offsets.append(offsets[offsets.count - 1] + slot.count) }
    for flat in order.prefix(prune) {
      var s = 0
      while flat >= offsets[s + 1] { s += 1 }
      masks[s][flat - offsets[s]] = false
    }
  }

  /// Fraction of prunable weights that are pruned now.
  public var sparsity: Double {
    let total = masks.reduce(0) { $0 + $1.count }
    let pruned = masks.reduce(0) { $0 + $1.filter { !$0 }.count }
    return total == 0 ? 0 : Double(pruned) / Double(total)
  }
}

/// Fraction of zero weights in the model's prunable layers.
public func measuredSparsity<Model: TrainableModel>(_ model: Model) -> Double {
  let slots = prunableSlots(model)
  let total = slots.reduce(0) { $0 + $1.count }
  let zeros = slots.reduce(0) { $0 + model[keyPath: $1.path].filter { $0 == 0 }.count }
  return total == 0 ? 0 : Double(zeros) / Double(total)
}
