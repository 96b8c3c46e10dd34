/// The request side of a model's input for data with context: each *request row* is one
/// (user, context values) combination of the data — household 17 at 07:00 on a Monday in the
/// kitchen — so a model scores request rows the way it scores user rows without context, and the
/// trainer, the split and the evaluation keep working on rows. Models look up the request's user
/// and context rows here, like they look up an item's genres in `ItemFeatures`.
///
/// Row conventions: user rows as in `Dataset` (`userCount` is the out-of-vocabulary user, a
/// household the model does not know); context field f has rows `0..<contextSizes[f]` for its
/// known values in ascending raw order and the OOV row `contextSizes[f]`.
public struct RequestFeatures: Sendable, Equatable {
  /// User row of each request row.
  public let userRows: [Int32]
  /// `contextRows[f][r]`: row of context field f in request r.
  public let contextRows: [[Int32]]
  /// Known values per context field (the field's tables have one more row, the OOV row).
  public let contextSizes: [Int]

  public init(userRows: [Int32], contextRows: [[Int32]], contextSizes: [Int]) {
    precondition(contextRows.count == contextSizes.count && contextRows.allSatisfy { $0.count == userRows.count })
    self.userRows = userRows
    self.contextRows = contextRows
    self.contextSizes = contextSizes
  }

  public var count: Int { userRows.count }
  public var fieldCount: Int { contextSizes.count }

  /// The same request rows without their context: a context-free model trained and evaluated on
  /// exactly the same examples, so the value of context can be measured.
  public func withoutContext() -> RequestFeatures {
    RequestFeatures(userRows: userRows, contextRows: [], contextSizes: [])
  }

  /// User rows of `count` request rows, into `out` (resized when short).
  func users(of requests: [Int32], count: Int, into out: inout [Int32]) {
    if out.count < count { out = [Int32](repeating: 0, count: count) }
    for b in 0..<count { out[b] = userRows[Int(requests[b])] }
  }

  /// Rows of context field `field` for `count` request rows, into `out` (resized when short).
  func context(_ field: Int, of requests: [Int32], count: Int, into out: inout [Int32]) {
    if out.count < count { out = [Int32](repeating: 0, count: count) }
    let rows = contextRows[field]
    for b in 0..<count { out[b] = rows[Int(requests[b])] }
  }
}

/// Per-batch request rows resolved to user and context rows; a model keeps one in its workspace.
/// Without `RequestFeatures` the batch's rows are user rows and there is no context.
struct RequestBatch {
  var users: [Int32] = []
  var context: [[Int32]] = []

  mutating func resolve(_ requests: RequestFeatures?, rows: [Int32], count: Int) {
    guard let requests else {
      if users.count < count { users = [Int32](repeating: 0, count: count) }
      for b in 0..<count { users[b] = rows[b] }
      context = []
      return
    }
    requests.users(of: rows, count: count, into: &users)
    while context.count < requests.fieldCount { context.append([]) }
    for f in 0..<requests.fieldCount { requests.context(f, of: rows, count: count, into: &context[f]) }
  }
}

/// The context tables of a model: one `[contextSizes[f] + 1][width]` table per field, drawn from
/// N(0, std²) like the id tables, and their parameter slots (sparse rows, L2-regularised).
enum ContextTables {
  static func random(_ requests: RequestFeatures?, width: Int, std: Float, random: inout SeededRandom) -> [[Float]] {
    (requests?.contextSizes ?? []).map { size in (0..<((size + 1) * width)).map { _ in random.normal() * std } }
  }

  static func zeros(_ requests: RequestFeatures?, width: Int) -> [[Float]] {
    (requests?.contextSizes ?? []).map { [Float](repeating: 0, count: ($0 + 1) * width) }
  }

  static func slots<Model>(
    _ tables: WritableKeyPath<Model, [[Float]]>, name: String, requests: RequestFeatures?, width: Int
  ) -> [ParameterSlot<Model>] {
    (requests?.contextSizes ?? []).enumerated().map { f, size in
      ParameterSlot(
        name: "\(name)\(f)", shape: width == 1 ? [size + 1] : [size + 1, width], path: tables.appending(path: \.[f]),
        sparseRowWidth: width, decays: true)
    }
  }
}

/// The request rows of an event log: every (user row, context rows) combination its events have,
/// in ascending order, then every context combination with the unknown user (row `userCount`).
struct EventLogRequests {
  var values: [[Int64]] = []
  var requests: RequestFeatures?
  var interactionRequest: [Int32] = []
  var coldStartRequest: [Int32] = []

  init(_ events: [RawInteraction], fields: [ContextColumn], users: [Int32], userCount: Int) {
    guard !fields.isEmpty else { return }
    values = fields.indices.map { f in Array(Set(events.map { $0.context[f] })).sorted() }
    let rowOf = values.map { Dictionary(uniqueKeysWithValues: $0.enumerated().map { ($1, Int32($0)) }) }
    let keys = events.indices.map { e in [users[e]] + fields.indices.map { rowOf[$0][events[e].context[$0]] ?? 0 } }
    let known = Set(keys)
    let cold = Set(keys.map { [Int32(userCount)] + $0.dropFirst() })
    let all = known.sorted(by: Self.ascending) + cold.sorted(by: Self.ascending)
    let index = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1, Int32($0)) })
    interactionRequest = keys.map { index[$0] ?? 0 }
    coldStartRequest = all.map { index[[Int32(userCount)] + $0.dropFirst()] ?? 0 }
    requests = RequestFeatures(
      userRows: all.map { $0[0] }, contextRows: fields.indices.map { f in all.map { $0[f + 1] } },
      contextSizes: values.map(\.count))
  }

  private static func ascending(_ a: [Int32], _ b: [Int32]) -> Bool { a.lexicographicallyPrecedes(b) }
}
