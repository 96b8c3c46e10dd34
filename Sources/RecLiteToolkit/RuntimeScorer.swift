// Evaluation through the runtime: a Scorer backed by an opened .rlm model, so
// the metrics the toolkit prints are the metrics a device gets.

import Foundation
import RecLiteRuntime
import RecLiteTrain

public final class RuntimeScorer: Scorer, @unchecked Sendable {
  public let model: RecLiteRuntime.Model
  public let itemCount: Int
  /// Models that end in a sigmoid return logits (see `ScoreKind`), which log-loss needs.
  public var scoresAreLogits: Bool { model.graph.scoreKind == .logit }
  let userIds: [Int64]
  let itemIds: [Int64]
  /// A raw id the model does not know: scores the OOV user row.
  let unknownUser: Int64
  /// For an event log: each request row's user row and context values, passed to the model's
  /// context features of the same names (a model without them ignores the context).
  let requests: RequestFeatures?
  let context: [(field: Int, feature: UInt32, values: [Int64], unknown: Int64)]
  /// Sessions reused across calls; evaluation calls `scoreAll` from several threads.
  private var idle: [Session] = []
  private let lock = NSLock()

  /// Opens model bytes with full verification for the rows of `dataset`: user rows, or for an
  /// event log request rows, each scored with its user and its context.
  public convenience init(bytes: [UInt8], dataset: Dataset) throws {
    try self.init(
      bytes: bytes, userIds: dataset.userIds, itemIds: dataset.itemIds, requests: dataset.requests,
      contextColumns: dataset.contextColumns.map(\.name), contextValues: dataset.contextValues)
  }

  /// Opens model bytes with full verification; `userIds`/`itemIds` map dense rows back to raw ids,
  /// `requests` (with the context columns' names and known raw values) request rows to requests.
  public init(
    bytes: [UInt8], userIds: [Int64], itemIds: [Int64], requests: RequestFeatures? = nil, contextColumns: [String] = [],
    contextValues: [[Int64]] = []
  ) throws {
    model = try bytes.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { throw RecLiteError(.invalidArgument, "empty model") }
      return try RecLiteRuntime.Model.open(buffer: base, length: raw.count, copy: true, verifyChecksum: true)
    }
    self.userIds = userIds
    self.itemIds = itemIds
    itemCount = itemIds.count
    unknownUser = RuntimeScorer.unknownValue(userIds)
    self.requests = requests
    let graph = model.graph
    context = contextColumns.indices.compactMap { f in
      guard let index = graph.features.firstIndex(where: { $0.kind == .context && $0.name.description == contextColumns[f] })
      else { return nil }
      return (f, UInt32(index), contextValues[f], RuntimeScorer.unknownValue(contextValues[f]))
    }
  }

  /// A value not in `known`.
  static func unknownValue(_ known: [Int64]) -> Int64 {
    var candidate = Int64.min
    while known.contains(candidate) { candidate += 1 }
    return candidate
  }

  private func withSession<T>(_ body: (Session) throws -> T) throws -> T {
    lock.lock()
    let session = idle.popLast()
    lock.unlock()
    let active = try session ?? Session(model: model, arena: nil, length: 0)
    defer {
      lock.lock()
      idle.append(active)
      lock.unlock()
    }
    return try body(active)
  }

  public func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    let row = requests.map { Int($0.userRows[userRow]) } ?? userRow
    let user = row < userIds.count ? userIds[row] : unknownUser
    let values = context.map { field -> ContextValue in
      let valueRow = Int(requests?.contextRows[field.field][userRow] ?? 0)
      return ContextValue(feature: field.feature, value: valueRow < field.values.count ? field.values[valueRow] : field.unknown)
    }
    do {
      try withSession { session in
        try itemIds.withUnsafeBufferPointer { ids in
          try values.withUnsafeBufferPointer { context in
            try session.score(
              Request(userID: user, context: context.baseAddress, contextCount: context.count), itemIDs: ids.baseAddress,
              count: ids.count, scores: scores.baseAddress)
          }
        }
      }
    } catch {
      // A verified model scoring its own catalog cannot fail; make a bug loud rather than silent.
      preconditionFailure("runtime scoring failed: \(error)")
    }
  }
}

/// Latency of `recommend` through the runtime, one thread, one session.
public struct RecommendLatency: Sendable, Codable {
  public var meanMicroseconds: Double
  public var medianMicroseconds: Double
  public var p99Microseconds: Double
  public var requests: Int

  /// Times top-`k` for each user, excluding the items in `exclude[i]` for `users[i]`, after a warm-up
  /// request; stops early once `budgetSeconds` of requests were timed (slow models).
  public static func measure(
    _ model: RecLiteRuntime.Model, users: [Int64], exclude: [[Int64]], k: Int = 10, budgetSeconds: Double = .infinity
  ) throws -> RecommendLatency {
    let session = try Session(model: model, arena: nil, length: 0)
    var ids = [Int64](repeating: 0, count: k)
    var scores = [Float](repeating: 0, count: k)
    var times: [Double] = []
    var spent = 0.0
    for pass in 0..<2 {
      for (index, user) in users.enumerated() where spent < budgetSeconds * 1e6 && (pass == 1 || index == 0) {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try exclude[index].withUnsafeBufferPointer { ex in
          try session.recommend(
            Request(userID: user), k: k, excludeIDs: ex.baseAddress, excludeCount: ex.count, idsOut: &ids, scoresOut: &scores)
        }
        if pass == 1 {
          times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
          spent += times[times.count - 1]
        }
      }
    }
    times.sort()
    guard !times.isEmpty else { return RecommendLatency(meanMicroseconds: 0, medianMicroseconds: 0, p99Microseconds: 0, requests: 0) }
    return RecommendLatency(
      meanMicroseconds: times.reduce(0, +) / Double(times.count), medianMicroseconds: times[times.count / 2],
      p99Microseconds: times[min(times.count - 1, Int(Double(times.count) * 0.99))], requests: times.count)
  }
}
