/// Anything that scores the catalog for a user: an in-memory model, the popularity baseline, or
/// (on the runtime side) a loaded `.rlm` model. Evaluation only talks to this protocol, so the
/// same metrics code runs on every one of them.
public protocol Scorer: Sendable {
  /// Catalog size; item rows are `0..<itemCount` in ascending raw-id order.
  var itemCount: Int { get }
  /// Whether scores are logits (σ gives a probability), which log-loss needs.
  var scoresAreLogits: Bool { get }
  /// Writes the score of every catalog item row for `userRow` into `scores[0..<itemCount]`.
  /// `userRow` may be the OOV row (`userCount`). Must be safe to call from several threads.
  func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>)
}

extension Scorer {
  /// Scores of chosen item rows for one user (a convenience over `scoreAll`).
  public func scores(userRow: Int, itemRows: [Int]) -> [Float] {
    let all = scoreAll(userRow: userRow)
    return itemRows.map { all[$0] }
  }

  public func scoreAll(userRow: Int) -> [Float] {
    var out = [Float](repeating: 0, count: itemCount)
    out.withUnsafeMutableBufferPointer { scoreAll(userRow: userRow, into: $0) }
    return out
  }
}

/// Popularity baseline: an item's score is its number of training interactions (ties broken by
/// item row like every ranking here). Not a logit, so it reports no log-loss.
public struct PopularityScorer: Scorer {
  public let counts: [Float]
  public var itemCount: Int { counts.count }
  public var scoresAreLogits: Bool { false }

  public init(train: UserItems, itemCount: Int) {
    var counts = [Float](repeating: 0, count: itemCount)
    for item in train.items { counts[Int(item)] += 1 }
    self.counts = counts
  }

  public func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    for i in 0..<counts.count { scores[i] = counts[i] }
  }
}
