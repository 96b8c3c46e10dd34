/// A scorer that answers every request of an event log as if its user were unknown: request row
/// r is scored as the request of the same context with the unknown user
/// (`Dataset.coldStartRequest`). Evaluated on the same held-out events, it measures what a home
/// the model has never seen gets — a hub's cold start — against the popular-in-context baseline.
public struct ColdStartScorer: Scorer {
  public let base: any Scorer
  public let coldStartRequest: [Int32]
  public var itemCount: Int { base.itemCount }
  public var scoresAreLogits: Bool { base.scoresAreLogits }

  public init(_ base: any Scorer, coldStartRequest: [Int32]) {
    self.base = base
    self.coldStartRequest = coldStartRequest
  }

  public func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    base.scoreAll(userRow: Int(coldStartRequest[userRow]), into: scores)
  }
}
