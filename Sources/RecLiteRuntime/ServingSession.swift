// A session as the C API hands it out: the request state (`Session`) plus
// what lets it move to a newer model between requests — the slot it follows
// and the arena it keeps — and its own last-error message, which survives a
// switch.
//
// Switching builds a new `Session` over the same arena when the new model's
// arena fits, so requests keep allocating nothing; only the switch itself
// allocates (the new session state, and a larger arena when the session owns
// its arena and the new model needs more).

import CRecLiteFormat

public final class ServingSession {
  /// Runs the requests: the current model's session.
  public private(set) var session: Session
  /// The slot this session follows, or nil for a session over one model.
  let slot: ModelSlot?
  /// The slot generation `session` was built from.
  var generation: UInt
  /// The arena every `session` of this one runs in, and whether it was allocated here.
  var arena: UnsafeMutableRawPointer
  var arenaCapacity: Int
  let ownsArena: Bool
  /// The last failure's message, NUL-terminated (`Session.messageCapacity` bytes).
  public let lastError: UnsafeMutablePointer<CChar>

  private init(
    session: Session, slot: ModelSlot?, generation: UInt, arena: Arena, lastError: UnsafeMutablePointer<CChar>
  ) {
    self.session = session
    self.slot = slot
    self.generation = generation
    self.arena = arena.base
    arenaCapacity = arena.capacity
    ownsArena = arena.owned
    self.lastError = lastError
  }

  deinit {
    if ownsArena { rlf_aligned_free(arena) }
    rlf_aligned_free(lastError)
  }

  /// A session over `model` in `arena` (`length` bytes, any alignment), or in an arena
  /// allocated now when `arena` is nil. Running out of memory is `.noMemory`, never a trap.
  public static func create(model: Model, arena: UnsafeMutableRawPointer?, length: Int) throws(RecLiteError)
    -> ServingSession
  {
    try Fallible.section { () throws(RecLiteError) -> ServingSession in
      try make(model: model, slot: nil, generation: 0, arena: arena, length: length)
    }
  }

  /// A session over the current model of `slot`, which `refresh` moves to newer ones.
  public static func create(slot: ModelSlot, arena: UnsafeMutableRawPointer?, length: Int) throws(RecLiteError)
    -> ServingSession
  {
    try Fallible.section { () throws(RecLiteError) -> ServingSession in
      let (model, generation) = try slot.current()
      return try make(model: model, slot: slot, generation: generation, arena: arena, length: length)
    }
  }

  private static func make(
    model: Model, slot: ModelSlot?, generation: UInt, arena callerArena: UnsafeMutableRawPointer?, length: Int
  ) throws(RecLiteError) -> ServingSession {
    let arena = try Arena.make(for: model, caller: callerArena, length: length)
    guard let message = rlf_aligned_alloc(Session.messageCapacity, 8) else {
      arena.free()
      throw RecLiteError(.noMemory, "out of memory: cannot allocate a session")
    }
    do throws(RecLiteError) {
      let session = try makeSession(model, in: arena)
      try Fallible.reserve(bytes: Fallible.objectBytes(fields: 8 * MemoryLayout<Int>.size), for: "a session")
      return ServingSession(
        session: session, slot: slot, generation: generation, arena: arena,
        lastError: message.assumingMemoryBound(to: CChar.self))
    } catch {
      arena.free()
      rlf_aligned_free(message)
      throw error
    }
  }

  /// A `Session` over `model` in an arena known to fit. Its instance is reserved here (see
  /// `Fallible`); what its initializer allocates before the instance exists reserves itself.
  private static func makeSession(_ model: Model, in arena: Arena) throws(RecLiteError) -> Session {
    try Fallible.reserve(
      bytes: Fallible.objectBytes(fields: 2 * MemoryLayout<ModelGraph>.size + 8 * MemoryLayout<Int>.size),
      for: "a session")
    return try Session(model: model, arena: arena.base, length: arena.capacity)
  }

  /// The model this session runs.
  public var model: Model { session.model }

  /// Records a failure's message for `reclite_session_last_error`.
  public func record(_ error: RecLiteError) {
    error.message.copy(to: lastError, capacity: Session.messageCapacity)
  }

  /// Moves to the slot's newest model if it changed since this session last looked; returns
  /// whether it switched. When nothing changed this is one atomic load. On failure the session
  /// keeps its model and stays usable.
  @discardableResult
  public func refresh() throws(RecLiteError) -> Bool {
    guard let slot else {
      throw RecLiteError(.invalidArgument, "this session follows no model slot (create it from one to refresh it)")
    }
    guard slot.generation != generation else { return false }
    return try Fallible.section { () throws(RecLiteError) -> Bool in
      let (model, latest) = try slot.current()
      if model === session.model {
        generation = latest
        return false
      }
      try switchTo(model)
      generation = latest
      return true
    }
  }

  private func switchTo(_ model: Model) throws(RecLiteError) {
    let needed = model.arenaBytes
    if needed <= arenaCapacity {
      session = try ServingSession.makeSession(model, in: Arena(base: arena, capacity: arenaCapacity, owned: false))
      return
    }
    guard ownsArena else {
      throw RecLiteError(
        .arenaTooSmall, "arena too small for the new model: needs \(needed) bytes, the session's arena has \(arenaCapacity)")
    }
    let larger = try Arena.make(for: model, caller: nil, length: 0)
    do throws(RecLiteError) {
      session = try ServingSession.makeSession(model, in: larger)
    } catch {
      larger.free()
      throw error
    }
    // The previous session, the only user of the old arena, is gone.
    rlf_aligned_free(arena)
    arena = larger.base
    arenaCapacity = larger.capacity
  }
}

/// A session's working memory: the caller's, or allocated here.
struct Arena {
  var base: UnsafeMutableRawPointer
  var capacity: Int
  var owned: Bool

  /// The caller's arena when it fits `model`, or a new one of exactly the size it needs.
  static func make(for model: Model, caller: UnsafeMutableRawPointer?, length: Int) throws(RecLiteError) -> Arena {
    let needed = model.arenaBytes
    if let caller {
      guard length >= needed else {
        throw RecLiteError(.arenaTooSmall, "arena too small: needs \(needed) bytes, got \(length)")
      }
      return Arena(base: caller, capacity: length, owned: false)
    }
    guard let memory = rlf_aligned_alloc(needed, MemoryPlanner.alignment) else {
      throw RecLiteError(.noMemory, "out of memory: cannot allocate an arena of \(needed) bytes")
    }
    return Arena(base: memory, capacity: needed, owned: true)
  }

  /// Frees the arena if it was allocated here.
  func free() {
    if owned { rlf_aligned_free(base) }
  }
}
