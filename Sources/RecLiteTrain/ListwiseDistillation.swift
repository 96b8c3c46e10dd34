import Foundation

/// Listwise distillation over a user's unseen items: the student's softmax over items the user
/// has no training interaction with (all of them, or a sample) is pulled towards the teacher's,
///
///   L_u = T² · KL(softmax(t/T) ‖ softmax(s/T)),   ∂L_u/∂s_i = T · (q_i − p_i)
///
/// with t, s the teacher and student logits, p, q their softmaxes at temperature T. The pointwise
/// soft labels only tell the student how each sampled pair should score on its own; this term
/// teaches the order of the teacher's whole ranking, which is what full-ranking NDCG measures
/// (and where ALS, fused into the built-in teacher, is strong).
public struct ListwiseDistillation: Sendable {
  public let weight: Float
  public let temperature: Float

  public init(weight: Float, temperature: Float) {
    self.weight = weight
    self.temperature = temperature
  }

  /// The items a user's term covers: every catalog item the user did not interact with in
  /// training and the teacher scores, ascending. For an event log (`keepSeen`) every item the
  /// teacher scores: a request's ranking includes what the home did before in that context.
  public static func candidates(
    user: Int, itemCount: Int, train: UserItems, teacher: any TeacherScores, keepSeen: Bool = false
  ) -> [Int32] {
    var items: [Int32] = []
    items.reserveCapacity(itemCount)
    for item in 0..<itemCount where (keepSeen || !train.contains(user: user, item: item)) && teacher.logit(user: user, item: item) != nil {
      items.append(Int32(item))
    }
    return items
  }

  /// `weight · L_u` for one user's candidates, and its gradient in the student logits written to
  /// `gradient` (same order as `student` and `teacher`), multiplied by `scale`.
  public func lossAndGradient(
    student: UnsafeBufferPointer<Float>, teacher: UnsafeBufferPointer<Float>, scale: Float,
    gradient: UnsafeMutableBufferPointer<Float>
  ) -> Float {
    let n = student.count
    precondition(teacher.count == n && gradient.count == n, "one teacher logit and gradient slot per student logit")
    guard n > 0 else { return 0 }
    let T = temperature
    let p = Self.softmax(teacher, temperature: T)
    let q = Self.softmax(student, temperature: T)
    var loss: Double = 0
    for i in 0..<n {
      if p.probabilities[i] > 0 {
        loss += Double(p.probabilities[i]) * (Double(p.logProbabilities[i]) - Double(q.logProbabilities[i]))
      }
      gradient[i] = weight * scale * T * (q.probabilities[i] - p.probabilities[i])
    }
    return weight * T * T * Float(loss)
  }

  /// Softmax of z/T with log-probabilities, stable for large logits.
  static func softmax(_ z: UnsafeBufferPointer<Float>, temperature T: Float) -> (probabilities: [Float], logProbabilities: [Float]) {
    var top = -Float.infinity
    for v in z { top = max(top, v) }
    var total: Double = 0
    var shifted = [Float](repeating: 0, count: z.count)
    for i in 0..<z.count {
      shifted[i] = (z[i] - top) / T
      total += Foundation.exp(Double(shifted[i]))
    }
    let logTotal = Float(Foundation.log(total))
    let logs = shifted.map { $0 - logTotal }
    return (logs.map { Foundation.exp($0) }, logs)
  }
}

/// Spreads the listwise term over a training epoch: each user with candidates once per epoch, in
/// a seeded order, a few users at every step, their gradients added to the step's pointwise ones
/// before the same optimizer update. A user's candidates are the unseen catalog, or with
/// `sampleSize` n > 0 the teacher's best n/2 of it plus n/2 others drawn afresh each epoch (the
/// teacher's head, where the ranking is decided, against a sample of the tail, as in RRD).
struct ListwiseBatches {
  let term: ListwiseDistillation
  let sampleSize: Int
  private let teacher: any TeacherScores
  /// Per user: the unseen items the teacher scores, best first.
  private let ranked: [[Int32]]
  /// Users with at least one candidate, ascending; each epoch shuffles a copy into `order`.
  private let usersWithCandidates: [Int32]
  private var order: [Int32] = []
  private var steps = 1
  private var epochSeed: UInt64 = 0
  private var users: [Int32] = [], items: [Int32] = [], teacherLogits: [Float] = []
  private var logits: [Float] = [], dLogits: [Float] = []

  init?(teacher: (any TeacherScores)?, options: DistillationOptions?, split: Split) {
    guard let teacher, let options, options.listwiseWeight > 0 else { return nil }
    term = ListwiseDistillation(weight: options.listwiseWeight, temperature: options.listwiseTemperature)
    sampleSize = max(0, options.listwiseCandidates)
    self.teacher = teacher
    let lists = SharedBuffer<[Int32]>(repeating: [], count: split.userCount)
    parallelForEach(split.userCount, block: 8) { user in
      let items = ListwiseDistillation.candidates(
        user: user, itemCount: split.itemCount, train: split.train, teacher: teacher, keepSeen: split.isEventLog)
      let logits = items.map { teacher.logit(user: user, item: Int($0))! }
      lists[user] = items.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }.map { items[$0] }
    }
    let ranked = lists.array
    self.ranked = ranked
    // An event log's requests seen only in validation or test are not trained on.
    usersWithCandidates = ranked.indices.filter { !ranked[$0].isEmpty && (split.eventLog == nil || split.train.count(of: $0) > 0) }
      .map { Int32($0) }
  }

  /// A fresh user order for an epoch of `steps` optimizer steps.
  mutating func startEpoch(steps: Int, random: inout SeededRandom) {
    order = usersWithCandidates
    random.shuffle(&order)
    epochSeed = random.next()
    self.steps = max(1, steps)
  }

  /// The user's candidates this epoch.
  func candidates(of user: Int) -> ArraySlice<Int32> {
    let all = ranked[user]
    guard sampleSize > 0, all.count > sampleSize else { return all[...] }
    let head = sampleSize / 2
    var tail = Array(all[head...])
    var random = SeededRandom(seed: epochSeed, stream: UInt64(user))
    // A partial Fisher–Yates shuffle draws the tail sample without replacement.
    for i in 0..<(sampleSize - head) { tail.swapAt(i, i + random.below(tail.count - i)) }
    return all[..<head] + tail[..<(sampleSize - head)]
  }

  /// Adds the gradients of this step's users to `gradients` and returns their loss.
  mutating func accumulate<Model: TrainableModel>(
    step: Int, model: Model, workspace: inout Model.Workspace, gradients: inout Model, touched: inout [TouchedRows]
  ) -> Double {
    let low = step * order.count / steps, high = min(order.count, (step + 1) * order.count / steps)
    guard high > low else { return 0 }
    users.removeAll(keepingCapacity: true)
    items.removeAll(keepingCapacity: true)
    teacherLogits.removeAll(keepingCapacity: true)
    var bounds = [0]
    for user in order[low..<high] {
      let list = candidates(of: Int(user))
      items += list
      users += repeatElement(user, count: list.count)
      teacherLogits += list.map { teacher.logit(user: Int(user), item: Int($0))! }
      bounds.append(items.count)
    }
    let count = items.count
    if logits.count < count { logits = [Float](repeating: 0, count: count) }
    if dLogits.count < count { dLogits = [Float](repeating: 0, count: count) }
    model.forward(users: users, items: items, count: count, workspace: &workspace, logits: &logits)
    var loss = 0.0
    let term = self.term
    for u in 0..<(bounds.count - 1) {
      let range = bounds[u]..<bounds[u + 1]
      loss += Double(logits.withUnsafeBufferPointer { s in
        teacherLogits.withUnsafeBufferPointer { t in
          dLogits.withUnsafeMutableBufferPointer { g in
            term.lossAndGradient(
              student: UnsafeBufferPointer(rebasing: s[range]), teacher: UnsafeBufferPointer(rebasing: t[range]), scale: 1,
              gradient: UnsafeMutableBufferPointer(rebasing: g[range]))
          }
        }
      })
    }
    model.backward(dLogits: dLogits, users: users, items: items, count: count, workspace: &workspace, gradients: &gradients, touched: &touched)
    return loss
  }
}
