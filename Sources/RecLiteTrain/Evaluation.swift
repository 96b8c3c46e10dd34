/// Which held-out set to rank against.
public enum HeldOutSet: String, Sendable, Codable {
  /// Validation items; the ranking excludes the user's training items.
  case validation
  /// Test items; the ranking excludes training and validation items.
  case test
}

/// Metrics at one cut-off, averaged over users with held-out items.
public struct MetricsAtK: Sendable, Codable, Equatable {
  public var k: Int
  public var hr: Double
  public var ndcg: Double
  public var precision: Double
  public var recall: Double
  public var f1: Double
}

/// Everything an evaluation measures; per-user NDCG@10 is kept for paired comparisons.
public struct EvaluationResult: Sendable, Codable {
  public var heldOut: HeldOutSet
  public var atK: [MetricsAtK]
  /// AUC of held-out positives vs sampled negatives (items the user never interacted with).
  public var auc: Double?
  /// Mean binary log-loss on the same pairs (only for scorers that produce logits).
  public var logLoss: Double?
  /// The ROC curve of the same pairs (`Ranking.rocCurve`), when asked for (`EvaluationOptions.rocPoints`).
  public var roc: [RocPoint]? = nil
  /// Fraction of the catalog that appears in at least one user's top 10.
  public var coverageAt10: Double
  /// Rows of the evaluated users (those with held-out items), ascending.
  public var users: [Int]
  /// NDCG@10 of each evaluated user, aligned with `users`.
  public var ndcg10PerUser: [Double]
  /// NDCG of each evaluated user at each cut-off: `[atK index][user index]`.
  public var ndcgPerUserAtK: [[Double]]
  public var seconds: Double

  public func at(_ k: Int) -> MetricsAtK? { atK.first { $0.k == k } }
  /// Per-user NDCG@k aligned with `users`, for paired comparisons at any evaluated cut-off.
  public func ndcgPerUser(at k: Int) -> [Double]? { atK.firstIndex { $0.k == k }.map { ndcgPerUserAtK[$0] } }
  public var ndcg10: Double { at(10)?.ndcg ?? .nan }
  public var hr10: Double { at(10)?.hr ?? .nan }
}

public struct EvaluationOptions: Sendable, Codable, Equatable {
  public var cutoffs: [Int] = [5, 10, 20]
  /// Sampled negatives per held-out positive for AUC / log-loss.
  public var negativesPerPositive: Int = 4
  public var seed: UInt64 = 1
  /// Points of the ROC curve to keep in the result (0 = none).
  public var rocPoints: Int = 0
  public init(cutoffs: [Int] = [5, 10, 20], negativesPerPositive: Int = 4, seed: UInt64 = 1) {
    self.cutoffs = cutoffs
    self.negativesPerPositive = negativesPerPositive
    self.seed = seed
  }
}

/// Full-ranking evaluation of any scorer on a split, parallel across users (each user's results
/// are written to its own slot and combined in user order, so the numbers do not depend on
/// thread count).
public func evaluate(
  _ scorer: any Scorer, split: Split, on heldOutSet: HeldOutSet, options: EvaluationOptions = EvaluationOptions()
) -> EvaluationResult {
  if let log = split.eventLog { return evaluateEvents(scorer, log: log, on: heldOutSet, options: options) }
  let start = DispatchTime.now()
  let cutoffs = options.cutoffs.sorted()
  let maxK = max(10, cutoffs.last ?? 10)
  let target = heldOutSet == .test ? split.test : split.validation
  let users = (0..<split.userCount).filter { target.count(of: $0) > 0 }
  let n = split.itemCount
  let perUser = SharedBuffer<[Ranking.UserMetrics]>(repeating: [], count: users.count)
  let tops = SharedBuffer<[Int]>(repeating: [], count: users.count)
  let pairScores = SharedBuffer<[Float]>(repeating: [], count: users.count)
  let pairLabels = SharedBuffer<[Bool]>(repeating: [], count: users.count)

  parallelForEach(users.count, block: 4) { index in
    let user = users[index]
    var scores = [Float](repeating: 0, count: n)
    scores.withUnsafeMutableBufferPointer { scorer.scoreAll(userRow: user, into: $0) }
    let heldOut = Set(target.items(of: user).map { Int($0) })
    let ranked = scores.withUnsafeBufferPointer { buffer in
      Ranking.topK(buffer, k: maxK) { item in
        split.train.contains(user: user, item: item)
          || (heldOutSet == .test && split.validation.contains(user: user, item: item))
      }
    }
    perUser[index] = cutoffs.map { Ranking.userMetrics(ranked: ranked, heldOut: heldOut, k: $0) }
    tops[index] = Array(ranked.prefix(10))
    // AUC pairs: held-out positives and negatives never interacted with in any split.
    var random = SeededRandom(seed: options.seed, stream: UInt64(user) &+ 0xA0C)
    (pairScores[index], pairLabels[index]) = aucPairs(
      scores, positives: target.items(of: user), negativesPerPositive: options.negativesPerPositive, random: &random
    ) { candidate in
      split.train.contains(user: user, item: candidate) || split.validation.contains(user: user, item: candidate)
        || split.test.contains(user: user, item: candidate)
    }
  }

  return EvaluationResult(
    heldOut: heldOutSet, cutoffs: cutoffs, users: users, perUser: perUser.array, tops: tops.array,
    pairScores: pairScores.array.flatMap { $0 }, pairLabels: pairLabels.array.flatMap { $0 },
    logits: scorer.scoresAreLogits, itemCount: n, rocPoints: options.rocPoints, seconds: secondsSince(start))
}

/// The AUC and log-loss pairs of one ranking: each positive's score (label true), then up to
/// `negativesPerPositive` scores of random items that `isPositive` rejects (label false).
func aucPairs<Items: Sequence>(
  _ scores: [Float], positives: Items, negativesPerPositive: Int, random: inout SeededRandom, isPositive: (Int) -> Bool
) -> (scores: [Float], labels: [Bool]) where Items.Element: BinaryInteger {
  var s: [Float] = [], l: [Bool] = []
  for item in positives {
    s.append(scores[Int(item)])
    l.append(true)
    var drawn = 0, attempts = 0
    while drawn < negativesPerPositive && attempts < 100 * negativesPerPositive {
      attempts += 1
      let candidate = random.below(scores.count)
      if isPositive(candidate) { continue }
      s.append(scores[candidate])
      l.append(false)
      drawn += 1
    }
  }
  return (s, l)
}

extension EvaluationResult {
  /// Averages per-user metrics (`perUser[user index][cut-off index]`) over users; coverage of the
  /// ranked lists `tops`; AUC and (for logits) log-loss of the held-out/negative score pairs.
  init(
    heldOut: HeldOutSet, cutoffs: [Int], users: [Int], perUser: [[Ranking.UserMetrics]], tops: [[Int]],
    pairScores: [Float], pairLabels: [Bool], logits: Bool, itemCount: Int, rocPoints: Int = 0, seconds: Double
  ) {
    var atK: [MetricsAtK] = []
    let count = Double(max(1, users.count))
    for (c, k) in cutoffs.enumerated() {
      var m = MetricsAtK(k: k, hr: 0, ndcg: 0, precision: 0, recall: 0, f1: 0)
      for index in 0..<users.count {
        let u = perUser[index][c]
        m.hr += u.hit; m.ndcg += u.ndcg; m.precision += u.precision; m.recall += u.recall; m.f1 += u.f1
      }
      m.hr /= count; m.ndcg /= count; m.precision /= count; m.recall /= count; m.f1 /= count
      atK.append(m)
    }
    let ndcgIndex = cutoffs.firstIndex(of: 10)
    var covered = Set<Int>()
    for top in tops { covered.formUnion(top.prefix(10)) }
    var logLoss: Double? = nil
    if logits && !pairScores.isEmpty {
      var total = 0.0
      for (s, l) in zip(pairScores, pairLabels) {
        total += Double(Logistic.bceWithLogits(s, target: l ? 1 : 0))
      }
      logLoss = total / Double(pairScores.count)
    }
    self.init(
      heldOut: heldOut, atK: atK, auc: Ranking.auc(scores: pairScores, labels: pairLabels), logLoss: logLoss,
      roc: rocPoints > 0 ? Ranking.rocCurve(scores: pairScores, labels: pairLabels, points: rocPoints) : nil,
      coverageAt10: Double(covered.count) / Double(max(1, itemCount)), users: users,
      ndcg10PerUser: perUser.map { metrics in ndcgIndex.map { metrics[$0].ndcg } ?? 0 },
      ndcgPerUserAtK: cutoffs.indices.map { c in perUser.map { $0[c].ndcg } }, seconds: seconds)
  }
}

func secondsSince(_ start: DispatchTime) -> Double {
  Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

import Dispatch
import Foundation
