/// Top-K selection and per-user ranking metrics (full ranking, DESIGN.md "Protocol").
public enum Ranking {
  /// The k best item rows by score, descending, ties broken by item row ascending; items for
  /// which `excluded` is true are skipped, NaN scores rank last. O(n·k) worst case but O(n) in
  /// practice (most items fail the first comparison against the current k-th best).
  public static func topK(
    _ scores: UnsafeBufferPointer<Float>, k: Int, excluded: (Int) -> Bool
  ) -> [Int] {
    guard k > 0 else { return [] }
    var best: [(score: Float, item: Int)] = []
    best.reserveCapacity(k + 1)
    for item in 0..<scores.count {
      var score = scores[item]
      if score.isNaN { score = -.infinity }
      if best.count == k {
        let worst = best[k - 1]
        // Strictly better than the current worst (equal scores: lower row already wins).
        if !(score > worst.score) { continue }
      }
      if excluded(item) { continue }
      var position = best.count
      while position > 0 {
        let other = best[position - 1]
        if other.score > score || (other.score == score && other.item < item) { break }
        position -= 1
      }
      best.insert((score, item), at: position)
      if best.count > k { best.removeLast() }
    }
    return best.map(\.item)
  }

  /// Metrics of one ranked list against a user's held-out items, at one cut-off K.
  public struct UserMetrics: Equatable, Sendable {
    public var hit: Double
    public var ndcg: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
  }

  /// HR = 1 if any of the top K is held out; Precision = hits/K; Recall = hits/|held out|;
  /// F1 = 2PR/(P+R) (0 when both are 0); NDCG = DCG/IDCG with DCG = Σ_{hit at rank r} 1/log2(r+1)
  /// and IDCG the DCG of min(K, |held out|) hits at the top. `ranked` may be longer than K.
  public static func userMetrics(ranked: [Int], heldOut: Set<Int>, k: Int) -> UserMetrics {
    precondition(!heldOut.isEmpty)
    var hits = 0
    var dcg = 0.0
    for (index, item) in ranked.prefix(k).enumerated() where heldOut.contains(item) {
      hits += 1
      dcg += 1 / log2(Double(index + 2))
    }
    var idcg = 0.0
    for index in 0..<min(k, heldOut.count) { idcg += 1 / log2(Double(index + 2)) }
    let precision = Double(hits) / Double(k)
    let recall = Double(hits) / Double(heldOut.count)
    let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    return UserMetrics(
      hit: hits > 0 ? 1 : 0, ndcg: dcg / idcg, precision: precision, recall: recall, f1: f1)
  }

  /// Area under the ROC curve of scores against 0/1 labels (Mann–Whitney U with tied scores
  /// counted as half). nil when either class is empty.
  public static func auc(scores: [Float], labels: [Bool]) -> Double? {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    let positives = labels.filter { $0 }.count
    let negatives = labels.count - positives
    guard positives > 0, negatives > 0 else { return nil }
    var rankSum = 0.0
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
      let averageRank = Double(i + j) / 2 + 1  // 1-based ranks i+1…j+1
      for t in i...j where labels[order[t]] { rankSum += averageRank }
      i = j + 1
    }
    let u = rankSum - Double(positives) * Double(positives + 1) / 2
    return u / (Double(positives) * Double(negatives))
  }

  /// The ROC curve of the pairs: (false-positive rate, true-positive rate) at every distinct
  /// score threshold, from (0, 0) to (1, 1), thinned to at most `points` points (evenly by
  /// threshold rank); tied scores move both rates at once, so the area under the full curve by
  /// trapezoids is `auc`. Nil without both classes.
  public static func rocCurve(scores: [Float], labels: [Bool], points: Int = 101) -> [RocPoint]? {
    let positives = Double(labels.filter { $0 }.count)
    let negatives = Double(labels.count) - positives
    guard positives > 0, negatives > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var curve = [RocPoint(falsePositiveRate: 0, truePositiveRate: 0)]
    var (tp, fp) = (0.0, 0.0)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
      for t in i...j { if labels[order[t]] { tp += 1 } else { fp += 1 } }
      curve.append(RocPoint(falsePositiveRate: fp / negatives, truePositiveRate: tp / positives))
      i = j + 1
    }
    guard curve.count > points else { return curve }
    let step = Double(curve.count - 1) / Double(points - 1)
    return (0..<points).map { curve[Int((Double($0) * step).rounded())] }
  }
}

/// One point of a ROC curve.
public struct RocPoint: Sendable, Codable, Equatable {
  public var falsePositiveRate: Double
  public var truePositiveRate: Double
}

import Foundation
