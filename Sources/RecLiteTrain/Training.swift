/// Hyper-parameters of one training run.
public struct TrainingOptions: Sendable, Codable, Equatable {
  public var epochs: Int
  public var batchSize: Int
  public var learningRate: Float
  public var l2: Float
  /// Sampled negatives per training positive (uniform over items without a train interaction).
  public var negatives: Int
  /// Early stopping: stop after this many epochs without a better validation NDCG@10 and keep
  /// the best epoch's weights. 0 disables validation (train all epochs, keep the last).
  public var patience: Int
  /// First epoch whose weights are validated (earlier ones are never kept). Validation costs a
  /// full ranking of the catalog for every user, as much as a training epoch for the teacher, and
  /// the first epochs are never the best, so skipping them saves time and avoids picking one of
  /// them on a noisy validation score.
  public var validateFrom: Int
  public var seed: UInt64
  /// Decay of an exponential moving average of the weights, updated after every step (0 = off).
  /// When on, the average is what is validated and returned: it smooths the step-to-step noise
  /// that makes single-epoch snapshots of a large model vary by several NDCG points.
  public var weightAverageDecay: Float = 0

  /// The tuned knobs have no default here: the pipeline's live in `PipelineDefaults`, one place.
  public init(
    epochs: Int, batchSize: Int = 512, learningRate: Float, l2: Float, negatives: Int, patience: Int,
    validateFrom: Int = 1, seed: UInt64 = 1, weightAverageDecay: Float = 0
  ) {
    self.weightAverageDecay = weightAverageDecay
    self.validateFrom = validateFrom
    self.epochs = epochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.l2 = l2
    self.negatives = negatives
    self.patience = patience
    self.seed = seed
  }
}

/// What happened in each epoch (for reports and for picking defaults).
public struct EpochRecord: Sendable, Codable, Equatable {
  public var epoch: Int
  public var loss: Double
  public var validationNDCG10: Double?
  public var seconds: Double
  /// Fraction of the prunable weights that were zero at the end of the epoch (pruned runs only).
  public var sparsity: Double? = nil
}

public struct TrainingHistory: Sendable, Codable, Equatable {
  public var epochs: [EpochRecord] = []
  public var bestEpoch: Int = 0
  public var bestValidationNDCG10: Double?
  public var seconds: Double = 0
}

/// Trains a model on the split's training interactions with BCE on the user's positives and
/// sampled negatives — and, when a teacher is given, the distillation loss on those plus the
/// teacher's top-K items per user, and the listwise term (`ListwiseBatches`) if it has a weight. Mini-batch Adam (sparse rows for tables), seeded shuffling
/// and sampling, early stopping on validation NDCG@10 by full ranking.
///
/// With `pruning`, the dense weights are pruned by magnitude on Zhu & Gupta's schedule
/// (`MagnitudePruner`) while the model keeps learning (from the teacher, when there is one);
/// only epochs at the final sparsity are validated and kept, and the run lasts at least until
/// the ramp ends.
///
/// Deterministic: the same seed gives bit-identical weights whatever the thread count (parallel
/// kernels split outputs, never reductions).
public func train<Model: TrainableModel>(
  _ initial: Model, split: Split, options: TrainingOptions,
  teacher: (any TeacherScores)? = nil, distillation: DistillationOptions? = nil,
  progress: ProgressBar? = nil, pruning: PruningOptions? = nil
) -> (model: Model, history: TrainingHistory) {
  let started = DispatchTime.now()
  var model = initial
  var gradients = model.zeroed
  let slots = model.parameterSlots
  var touched = slots.map { TouchedRows(capacity: $0.sparseRowWidth == nil ? 0 : $0.count / max(1, $0.sparseRowWidth ?? 1)) }
  var optimizer = AdamOptimizer(model: model, learningRate: options.learningRate, l2: options.l2)
  var workspace = model.makeWorkspace()
  let loss = teacher != nil ? DistillationLoss(options: distillation ?? DistillationOptions()) : nil

  // The teacher's top-K per user is fixed for the whole run: compute once.
  var teacherTop: [[Int]] = []
  if let teacher, let k = loss?.options.topK, k > 0 {
    let tops = SharedBuffer<[Int]>(repeating: [], count: split.userCount)
    parallelForEach(split.userCount, block: 8) { user in
      // An event log's requests seen only in validation or test are not trained on.
      guard split.eventLog == nil || split.train.count(of: user) > 0 else { return }
      tops[user] = teacher.topItems(user: user, k: k, train: split.train)
    }
    teacherTop = tops.array
  }

  var listwise = ListwiseBatches(teacher: teacher, options: distillation, split: split)

  var history = TrainingHistory()
  var best: Model = model
  var average = WeightAverage(model: model, decay: options.weightAverageDecay)
  var bestScore = -Double.infinity
  var sinceBest = 0
  let batchSize = max(1, options.batchSize)
  var users = [Int32](repeating: 0, count: batchSize)
  var items = [Int32](repeating: 0, count: batchSize)
  var logits = [Float](repeating: 0, count: batchSize)
  var dLogits = [Float](repeating: 0, count: batchSize)
  var pruner: MagnitudePruner<Model>? = nil
  var globalStep = 0
  let epochs = max(1, options.epochs, pruning?.firstPrunedEpoch ?? 1)
  let validateFrom = max(options.validateFrom, pruning?.firstPrunedEpoch ?? 1)

  for epoch in 1...epochs {
    let epochStart = DispatchTime.now()
    var examples = makeExamples(split: split, negatives: options.negatives, teacherTop: teacherTop, seed: options.seed, epoch: epoch)
    var random = SeededRandom(seed: options.seed, stream: 0x5AFF1E &+ UInt64(epoch))
    random.shuffle(&examples)
    progress?.startEpoch(epoch, of: epochs, examples: examples.count)
    let steps = (examples.count + batchSize - 1) / batchSize
    if let pruning, pruner == nil { pruner = MagnitudePruner(model: model, options: pruning, stepsPerEpoch: steps) }
    listwise?.startEpoch(steps: steps, random: &random)
    var totalLoss = 0.0
    var start = 0
    var step = 0
    while start < examples.count {
      let count = min(batchSize, examples.count - start)
      for b in 0..<count {
        users[b] = examples[start + b].user
        items[b] = examples[start + b].item
      }
      model.forward(users: users, items: items, count: count, workspace: &workspace, logits: &logits)
      var batchLoss = 0.0
      let scale = 1 / Float(count)
      for b in 0..<count {
        let example = examples[start + b]
        let (l, g): (Float, Float)
        if let loss {
          let t = teacher?.logit(user: Int(example.user), item: Int(example.item))
          (l, g) = loss.lossAndGradient(logit: logits[b], role: example.role, teacher: t)
        } else {
          (l, g) = hardLossAndGradient(logit: logits[b], positive: example.role == .positive)
        }
        batchLoss += Double(l)
        dLogits[b] = g * scale
      }
      totalLoss += batchLoss
      model.backward(dLogits: dLogits, users: users, items: items, count: count, workspace: &workspace, gradients: &gradients, touched: &touched)
      // The listwise term's users for this step add their gradients before the same update.
      totalLoss += listwise?.accumulate(step: step, model: model, workspace: &workspace, gradients: &gradients, touched: &touched) ?? 0
      step += 1
      optimizer.apply(model: &model, gradients: &gradients, touched: &touched)
      pruner?.afterStep(globalStep, model: &model)
      globalStep += 1
      average?.update(with: model)
      start += count
      progress?.update(done: start, loss: totalLoss / Double(start))
    }
    let meanLoss = totalLoss / Double(max(1, examples.count))
    var record = EpochRecord(epoch: epoch, loss: meanLoss, validationNDCG10: nil, seconds: 0, sparsity: pruner?.sparsity)
    var extra = pruner.map { "sparsity \(format($0.sparsity, 3)) " } ?? ""
    // The averaged weights are kept with the current masks.
    var candidate = average?.model ?? model
    pruner?.apply(to: &candidate)
    if options.patience > 0 && epoch < validateFrom && epoch < epochs {
      extra += "(validation from epoch \(validateFrom))"
    } else if options.patience > 0 {
      let validation = evaluate(candidate.makeScorer(), split: split, on: .validation, options: EvaluationOptions(cutoffs: [10], negativesPerPositive: 0))
      record.validationNDCG10 = validation.ndcg10
      extra += "val NDCG@10 \(format(validation.ndcg10, 4)) (\(format(validation.seconds, 1))s)"
      if validation.ndcg10 > bestScore {
        bestScore = validation.ndcg10
        best = candidate
        history.bestEpoch = epoch
        sinceBest = 0
      } else {
        sinceBest += 1
      }
    } else {
      best = candidate
      history.bestEpoch = epoch
    }
    record.seconds = secondsSince(epochStart)
    history.epochs.append(record)
    progress?.finishEpoch(loss: meanLoss, examples: examples.count, extra: extra)
    if options.patience > 0 && sinceBest >= options.patience { break }
  }
  history.bestValidationNDCG10 = bestScore.isFinite ? bestScore : nil
  history.seconds = secondsSince(started)
  return (best, history)
}

/// One training example: a (user, item) pair and its role in the loss.
struct Example {
  var user: Int32
  var item: Int32
  var role: ExampleRole
}

/// The examples of one epoch: every training interaction as a positive with `negatives` fresh
/// samples from the user's unseen items, plus the teacher's top-K per user when distilling.
/// Sampling is seeded per (epoch, user), so it is reproducible and independent of other users.
func makeExamples(split: Split, negatives: Int, teacherTop: [[Int]], seed: UInt64, epoch: Int) -> [Example] {
  var examples: [Example] = []
  examples.reserveCapacity(split.train.count * (1 + negatives) + teacherTop.reduce(0) { $0 + $1.count })
  let n = split.itemCount
  for user in 0..<split.userCount {
    var random = SeededRandom(seed: seed &+ UInt64(epoch) &* 0x1000193, stream: UInt64(user))
    let seen = split.train.count(of: user)
    let canSample = seen < n
    for item in split.train.items(of: user) {
      examples.append(Example(user: Int32(user), item: item, role: .positive))
      guard canSample else { continue }
      for _ in 0..<negatives {
        var candidate = random.below(n)
        while split.train.contains(user: user, item: candidate) { candidate = random.below(n) }
        examples.append(Example(user: Int32(user), item: Int32(candidate), role: .negative))
      }
    }
    if user < teacherTop.count {
      for (rank, item) in teacherTop[user].enumerated() {
        examples.append(Example(user: Int32(user), item: Int32(item), role: .teacherTop(rank: rank)))
      }
    }
  }
  return examples
}

import Dispatch
import Foundation

/// Exponential moving average of a model's weights with Adam's bias correction: after step t,
/// the average is Σ_{i≤t} d^(t−i)·(1 − d)·w_i / (1 − d^t), the iterates' weighted mean without
/// the initial weights — so short runs (a few steps) are averaged too, not left near the start.
/// Updated in place as a ← a + r_t·(w_t − a) with r_t = (1 − d) / (1 − d^t).
struct WeightAverage<Model: TrainableModel> {
  private(set) var model: Model
  let decay: Float
  private let slots: [ParameterSlot<Model>]
  private var decayPower: Double = 1

  init?(model: Model, decay: Float) {
    guard decay > 0 else { return nil }
    self.model = model
    self.decay = decay
    slots = model.parameterSlots
  }

  mutating func update(with current: Model) {
    decayPower *= Double(decay)
    let rate = Float((1 - Double(decay)) / (1 - decayPower))
    for slot in slots {
      current[keyPath: slot.path].withUnsafeBufferPointer { w in
        model[keyPath: slot.path].withUnsafeMutableBufferPointer { a in
          guard let wp = w.baseAddress, let ap = a.baseAddress else { return }
          // Element-wise (the same operations in SIMD lanes), so the split across threads and
          // the vector width change no value.
          let wBits = UInt(bitPattern: wp), aBits = UInt(bitPattern: ap)
          parallelChunks(a.count, minimumChunk: 1 << 16) { range in
            guard let w = UnsafePointer<Float>(bitPattern: wBits), let a = UnsafeMutablePointer<Float>(bitPattern: aBits)
            else { return }
            var i = range.lowerBound
            let r8 = SIMD8(repeating: rate)
            while i + 8 <= range.upperBound {
              let ai = Kernels.load8(a + i)
              Kernels.store8(ai + r8 * (Kernels.load8(w + i) - ai), a + i)
              i += 8
            }
            while i < range.upperBound {
              a[i] += rate * (w[i] - a[i])
              i += 1
            }
          }
        }
      }
    }
  }
}
