// A session: one arena and the request logic (id lookup, chunking over
// candidates, top-k with exclusions, cold-start fallback). After `init`
// nothing here allocates; one thread at a time may use a session.

import CRecLiteFormat

/// A context feature's value on a request. Same layout as `reclite_context_value`.
public struct ContextValue: Sendable {
  public var feature: UInt32
  public var value: Int64

  public init(feature: UInt32, value: Int64) {
    self.feature = feature
    self.value = value
  }
}

/// Who a request is for.
public struct Request: @unchecked Sendable {
  /// Rank unknown users with the model's OOV user instead of by popularity.
  public static let noFallback: UInt32 = 1

  public var userID: Int64
  public var flags: UInt32
  public var context: UnsafePointer<ContextValue>?
  public var contextCount: Int

  public init(userID: Int64, flags: UInt32 = 0, context: UnsafePointer<ContextValue>? = nil, contextCount: Int = 0) {
    self.userID = userID
    self.flags = flags
    self.context = context
    self.contextCount = contextCount
  }
}

public final class Session {
  public let model: Model
  let graph: ModelGraph
  let executor: Executor
  /// The arena when the session allocated it (see OwnedMemory.swift for why Session has no deinit).
  let ownedArena: AlignedMemory?
  /// Holds `lastError`.
  private let message: AlignedMemory
  /// The last failure's message, NUL-terminated (`Session.messageCapacity` bytes).
  public let lastError: UnsafeMutablePointer<CChar>

  public static let messageCapacity = 256
  /// Largest count accepted for candidates, exclusions and requests.
  public static let maxCount = Int(Int32.max)

  /// A session over `model` in `arena` (`length` bytes, any alignment), or in
  /// an arena allocated now when `arena` is nil. (A convenience init: everything that can fail
  /// runs before the object exists — see OwnedMemory.swift.)
  public convenience init(model: Model, arena: UnsafeMutableRawPointer?, length: Int) throws(RecLiteError) {
    let needed = model.arenaBytes
    var ownedArena: AlignedMemory? = nil
    let base: UnsafeMutableRawPointer
    if let arena {
      guard length >= needed else {
        throw RecLiteError(.arenaTooSmall, "arena too small: needs \(needed) bytes, got \(length)")
      }
      base = arena
    } else {
      let memory = try AlignedMemory.allocate(needed, for: "the session's arena")
      ownedArena = memory
      base = memory.pointer
    }
    let message = try AlignedMemory.allocate(Session.messageCapacity, alignment: 8, for: "a session")
    self.init(model: model, base: base, ownedArena: ownedArena, message: message)
  }

  private init(model: Model, base: UnsafeMutableRawPointer, ownedArena: AlignedMemory?, message: AlignedMemory) {
    self.ownedArena = ownedArena
    self.message = message
    lastError = message.pointer.bindMemory(to: CChar.self, capacity: Session.messageCapacity)
    let aligned = base + (MemoryPlanner.alignment - Int(bitPattern: base) % MemoryPlanner.alignment) % MemoryPlanner.alignment
    self.model = model
    graph = model.graph
    executor = Executor(graph: model.graph, plan: model.plan, arena: aligned)
  }

  /// Records a failure's message for `reclite_session_last_error`.
  public func record(_ error: RecLiteError) {
    error.message.copy(to: lastError, capacity: Session.messageCapacity)
  }

  // MARK: Scoring

  /// Scores `count` candidates: scores[i] for itemIDs[i].
  public func score(
    _ request: Request, itemIDs: UnsafePointer<Int64>?, count: Int, scores: UnsafeMutablePointer<Float>?
  ) throws(RecLiteError) {
    try Session.checkItems(itemIDs, count: count, scores: scores)
    try check(request)
    guard let itemIDs, let scores, count > 0 else { return }
    try prepare(request)
    try scoreCandidates(itemIDs: itemIDs, count: count, scores: scores)
  }

  /// Scores the same `itemCount` candidates for `requestCount` requests: scores[r·itemCount + i].
  /// `request(r)` reads request r (it may throw, e.g. for a struct the caller sized wrong). Every
  /// request is checked before any score is written, so a failure leaves `scores` untouched.
  public func scoreBatch(
    requestCount: Int, request: (Int) throws(RecLiteError) -> Request, itemIDs: UnsafePointer<Int64>?,
    itemCount: Int, scores: UnsafeMutablePointer<Float>?
  ) throws(RecLiteError) {
    try Session.checkCount(requestCount, "request count")
    try Session.checkItems(itemIDs, count: itemCount, scores: scores)
    let (total, overflow) = requestCount.multipliedReportingOverflow(by: itemCount)
    guard !overflow && total <= Int.max / MemoryLayout<Float>.size else {
      throw RecLiteError(.invalidArgument, "\(requestCount) requests × \(itemCount) items is more scores than memory can hold")
    }
    for r in 0..<requestCount {
      do {
        try check(request(r))
      } catch {
        throw RecLiteError(error.status, "request \(r): \(error.message)")
      }
    }
    guard let itemIDs, let scores, itemCount > 0 else { return }
    for r in 0..<requestCount {
      try prepare(request(r))
      try scoreCandidates(itemIDs: itemIDs, count: itemCount, scores: scores + r * itemCount)
    }
  }

  /// Scores `itemIDs` (request ops already ran).
  private func scoreCandidates(
    itemIDs: UnsafePointer<Int64>, count: Int, scores: UnsafeMutablePointer<Float>
  ) throws(RecLiteError) {
    let plan = model.plan
    let feature = graph.itemFeature
    try scoreRows(
      count: count, output: graph.scoreOutput, row: { plan.rowOrOOV(of: itemIDs[$0], feature: feature) },
      take: { scores[$0] = $1 })
  }

  /// Scores `count` candidates, candidate i being item row `row(i)`, as tensor `output`, and
  /// hands each to `take(i, score)`: from the packed catalog when it computes `output`, else by
  /// running the candidate ops in chunks. The request ops must have run.
  @inline(__always)
  private func scoreRows(
    count: Int, output: Int, row: (Int) -> Int, take: (Int, Float) -> Void
  ) throws(RecLiteError) {
    if output == graph.rankOutput, let catalog = model.plan.catalog {
      let request = catalogRequest(catalog)
      // Up to 8 candidates at a time (the head runs on blocks), their rows in the scratch.
      let rows = (executor.scratch + model.plan.itemRowsOffset).assumingMemoryBound(to: Int32.self)
      var start = 0
      while start < count {
        let n = min(PackedCatalog.lanes, count - start)
        for i in 0..<n { rows[i] = Int32(truncatingIfNeeded: row(start + i)) }
        let scores = catalog.scores(rows: UnsafePointer(rows), count: n, request)
        for i in 0..<n { take(start + i, scores[i]) }
        start += n
      }
      return
    }
    try forEachScore(count: count, output: output, row: { Int32(truncatingIfNeeded: row($0)) }, take: take)
  }

  /// What the request contributes to the packed catalog's scores: the dot terms' request
  /// vectors gathered into the arena's scratch, their sum, the request-stage constant, and the
  /// head's request vector. The request ops must have run.
  private func catalogRequest(_ catalog: PackedCatalog) -> PackedCatalog.Request {
    let vector = executor.scratch.assumingMemoryBound(to: Float.self)
    var n = 0
    var sum: Float = 0
    for dot in catalog.score.dots {
      let values = executor.matrix(dot.request).row(0)
      for j in 0..<graph.tensors[dot.request].width {
        vector[n] = values[j]
        sum += values[j]
        n += 1
      }
    }
    var constant: Float = 0
    for t in catalog.score.requestBiases { constant += executor.matrix(t).row(0)[0] }
    let headRequest = catalog.head.flatMap { $0.request >= 0 ? UnsafePointer(executor.matrix($0.request).row(0)) : nil }
    return PackedCatalog.Request(
      values: UnsafePointer(vector), sum: sum, constant: constant, headRequest: headRequest,
      scratch: executor.scratch + model.plan.catalogScratchOffset)
  }

  /// Scores `count` candidates in chunks of at most `maxBatch`: `row(i)` gives
  /// candidate i's item row, `take(i, score)` receives its score (read from
  /// tensor `output`). The request ops must already have run. Non-escaping
  /// closures: nothing is allocated.
  @inline(__always)
  private func forEachScore(
    count: Int, output: Int, row: (Int) -> Int32, take: (Int, Float) -> Void
  ) throws(RecLiteError) {
    let scores = executor.floats(output)
    var start = 0
    while start < count {
      let n = min(graph.maxBatch, count - start)
      for i in 0..<n { executor.setItemRow(Int(row(start + i)), at: i) }
      try executor.run(graph.candidateOps, rows: n)
      for i in 0..<n { take(start + i, scores[i]) }
      start += n
    }
  }

  // MARK: Recommending

  /// The best `k` catalog items, best first, skipping `excludeIDs`. `idsOut` (and `scoresOut`
  /// when given) hold k entries; how many were written goes to `countOut` (when given) and is
  /// returned.
  @discardableResult
  public func recommend(
    _ request: Request, k: Int, excludeIDs: UnsafePointer<Int64>?, excludeCount: Int,
    idsOut: UnsafeMutablePointer<Int64>?, scoresOut: UnsafeMutablePointer<Float>?,
    countOut: UnsafeMutablePointer<Int>? = nil, requireCountOut: Bool = false
  ) throws(RecLiteError) -> Int {
    guard k > 0 else { throw RecLiteError(.invalidArgument, "k must be at least 1") }
    guard let idsOut else { throw RecLiteError(.invalidArgument, "ids_out must not be NULL") }
    guard countOut != nil || !requireCountOut else { throw RecLiteError(.invalidArgument, "count_out must not be NULL") }
    try Session.checkCount(excludeCount, "exclude count")
    guard excludeCount == 0 || excludeIDs != nil else {
      throw RecLiteError(.invalidArgument, "exclude_ids must not be NULL when exclude_count is \(excludeCount)")
    }
    guard let catalog = graph.catalog, graph.topKOp >= 0 else {
      throw RecLiteError(.unsupported, "this model has no catalog to recommend from (it can only score)")
    }
    try check(request)
    let userKnown = try prepare(request)
    let catalogSize = graph.catalogSize
    let excluded = markExclusions(excludeIDs, count: excludeCount, catalog: catalog)
    let capacity = min(k, catalogSize)
    let written: Int
    if !userKnown && catalog.popularityCount > 0 && request.flags & Request.noFallback == 0 {
      written = try recommendPopular(catalog, excluded: excluded, capacity: capacity, idsOut: idsOut, scoresOut: scoresOut)
    } else {
      written = try recommendByScore(catalog, excluded: excluded, capacity: capacity, idsOut: idsOut, scoresOut: scoresOut)
    }
    countOut?.pointee = written
    return written
  }

  /// Top-k of the whole catalog by the model's score: a bounded heap kept in the caller's id array.
  private func recommendByScore(
    _ catalog: CatalogInfo, excluded: UnsafeMutablePointer<UInt8>, capacity: Int,
    idsOut: UnsafeMutablePointer<Int64>, scoresOut: UnsafeMutablePointer<Float>?
  ) throws(RecLiteError) -> Int {
    let keys = UnsafeMutableRawPointer(idsOut).assumingMemoryBound(to: UInt64.self)
    var heap = TopKHeap(storage: keys, capacity: capacity)
    if let packed = model.plan.catalog {
      packed.scan(count: graph.catalogSize, catalogRequest(packed), excluded: excluded, heap: &heap)
    } else {
      try forEachScore(
        count: graph.catalogSize, output: graph.rankOutput, row: { Int32(truncatingIfNeeded: $0) },
        take: { row, score in
          if !(heap.isFull && !(score > heap.worstScore)) && !isExcluded(excluded, row) { heap.offer(score: score, row: row) }
        })
    }
    heap.sortDescending()
    let item = graph.features[catalog.feature]
    for i in 0..<heap.count {
      let key = keys[i]
      scoresOut?[i] = TopKHeap.score(of: key)
      idsOut[i] = item.value(ofRow: TopKHeap.row(of: key))
    }
    return heap.count
  }

  /// Cold start: the most popular eligible items, in popularity order, scored by the model.
  private func recommendPopular(
    _ catalog: CatalogInfo, excluded: UnsafeMutablePointer<UInt8>, capacity: Int,
    idsOut: UnsafeMutablePointer<Int64>, scoresOut: UnsafeMutablePointer<Float>?
  ) throws(RecLiteError) -> Int {
    guard let popularity = catalog.popularity else { return 0 }
    var n = 0
    var p = 0
    while n < capacity && p < catalog.popularityCount {
      let row = Int(popularity[p])
      p += 1
      if !isExcluded(excluded, row) {
        idsOut[n] = Int64(row)
        n += 1
      }
    }
    try scoreRows(count: n, output: graph.rankOutput, row: { Int(idsOut[$0]) }, take: { scoresOut?[$0] = $1 })
    let item = graph.features[catalog.feature]
    for i in 0..<n { idsOut[i] = item.value(ofRow: Int(idsOut[i])) }
    return n
  }

  /// Clears the arena's exclusion bitmap and sets the rows of `ids` (unknown ids are ignored).
  private func markExclusions(
    _ ids: UnsafePointer<Int64>?, count: Int, catalog: CatalogInfo
  ) -> UnsafeMutablePointer<UInt8> {
    let bitmap = (executor.arena + graph.exclusionBitmapOffset).assumingMemoryBound(to: UInt8.self)
    bitmap.update(repeating: 0, count: (graph.catalogSize + 7) / 8)
    guard let ids else { return bitmap }
    for i in 0..<count {
      if let row = model.plan.row(of: ids[i], feature: catalog.feature) { bitmap[row >> 3] |= UInt8(1) << UInt8(row & 7) }
    }
    return bitmap
  }

  @inline(__always)
  private func isExcluded(_ bitmap: UnsafeMutablePointer<UInt8>, _ row: Int) -> Bool {
    bitmap[row >> 3] & (UInt8(1) << UInt8(row & 7)) != 0
  }

  // MARK: Requests

  /// Rejects a request that cannot be served (context values); writes nothing.
  private func check(_ request: Request) throws(RecLiteError) {
    try Session.checkCount(request.contextCount, "context count")
    guard request.contextCount == 0 || request.context != nil else {
      throw RecLiteError(.invalidArgument, "context must not be NULL when context_count is \(request.contextCount)")
    }
    guard let context = request.context else { return }
    for i in 0..<request.contextCount {
      let index = Int(clamping: context[i].feature)  // a UInt32 ≥ 2^31 does not fit a 32-bit Int
      guard index < graph.features.count, graph.features[index].kind == .context else {
        throw RecLiteError(
          .invalidArgument, "context value \(i) names feature \(context[i].feature), which is not a context feature of this model")
      }
    }
  }

  /// Writes a checked request's feature rows into the arena and runs the request ops. Returns
  /// whether the user is known (true for models without users).
  @discardableResult
  private func prepare(_ request: Request) throws(RecLiteError) -> Bool {
    for (index, feature) in graph.features.enumerated() where feature.kind == .context {
      executor.setRow(feature.oovRow, of: index)
    }
    if let context = request.context {
      for i in 0..<request.contextCount {
        executor.setRow(model.plan.rowOrOOV(of: context[i].value, feature: Int(context[i].feature)), of: Int(context[i].feature))
      }
    }
    var known = true
    if graph.userFeature >= 0 {
      let user = graph.features[graph.userFeature]
      let row = model.plan.row(of: request.userID, feature: graph.userFeature)
      known = row != nil
      executor.setRow(row ?? user.oovRow, of: graph.userFeature)
    }
    try executor.run(graph.requestOps, rows: 1)
    return known
  }

  /// Candidate ids and their score array: both present unless the count is 0.
  static func checkItems(
    _ itemIDs: UnsafePointer<Int64>?, count: Int, scores: UnsafeMutablePointer<Float>?
  ) throws(RecLiteError) {
    try Session.checkCount(count, "item count")
    guard count == 0 || (itemIDs != nil && scores != nil) else {
      throw RecLiteError(.invalidArgument, "item ids and scores must not be NULL when the count is \(count)")
    }
  }

  public static func checkCount(_ count: Int, _ what: StaticString) throws(RecLiteError) {
    guard count >= 0 && count <= maxCount else {
      throw RecLiteError(.invalidArgument, "\(what) \(count) is outside 0…\(maxCount)")
    }
  }
}
