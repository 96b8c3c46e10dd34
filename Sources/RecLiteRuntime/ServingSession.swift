// A session as the C API hands it out: the request state (`Session`) plus
// what lets it move to a newer model between requests — the slot it follows
// and the arena it keeps — and its own last-error message, which survives a
// switch.
//
// Switching builds a new `Session` over the same arena when the new model's
// arena fits, so requests keep allocating nothing; only the switch itself
// allocates (the new session state, and a larger arena when the session owns
// its arena and the new model needs more).

public final class ServingSession {
  /// Runs the requests: the current model's session.
  public private(set) var session: Session
  /// The slot this session follows, or nil for a session over one model.
  let slot: ModelSlot?
  /// The slot generation `session` was built from.
  var generation: UInt
  /// The memory every `session` of this one runs in.
  private var arena: Arena
  /// Holds `lastError`.
  private let message: AlignedMemory
  /// The last failure's message, NUL-terminated (`Session.messageCapacity` bytes).
  public let lastError: UnsafeMutablePointer<CChar>

  private init(session: Session, slot: ModelSlot?, generation: UInt, arena: Arena, message: AlignedMemory) {
    self.session = session
    self.slot = slot
    self.generation = generation
    self.arena = arena
    self.message = message
    lastError = message.pointer.bindMemory(to: CChar.self, capacity: Session.messageCapacity)
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

  /// Everything that can fail comes before the instance exists (see OwnedMemory.swift).
  private static func make(
    model: Model, slot: ModelSlot?, generation: UInt, arena callerArena: UnsafeMutableRawPointer?, length: Int
  ) throws(RecLiteError) -> ServingSession {
    let arena = try Arena.make(for: model, caller: callerArena, length: length)
    let message = try AlignedMemory.allocate(Session.messageCapacity, alignment: 8, for: "a session's message")
    let session = try makeSession(model, in: arena)
    try Fallible.reserve(bytes: Fallible.objectBytes(fields: 8 * MemoryLayout<Int>.size), for: "a session")
    return ServingSession(session: session, slot: slot, generation: generation, arena: arena, message: message)
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
    if needed <= arena.capacity {
      session = try ServingSession.makeSession(model, in: arena)
      return
    }
    guard arena.memory != nil else {
      throw RecLiteError(
        .arenaTooSmall, "arena too small for the new model: needs \(needed) bytes, the session's arena has \(arena.capacity)")
    }
    let larger = try Arena.make(for: model, caller: nil, length: 0)
    session = try ServingSession.makeSession(model, in: larger)
    // The previous session, the only user of the old arena, is gone: the old arena goes with it.
    arena = larger
  }
}

/// A session's working memory: the caller's, or allocated here (then `memory` owns it).
struct Arena {
  var base: UnsafeMutableRawPointer
  var capacity: Int
  var memory: AlignedMemory?

  /// The caller's arena when it fits `model`, or a new one of exactly the size it needs.
  static func make(for model: Model, caller: UnsafeMutableRawPointer?, length: Int) throws(RecLiteError) -> Arena {
    let needed = model.arenaBytes
    if let caller {
      guard length >= needed else {
        throw RecLiteError(.arenaTooSmall, "arena too small: needs \(needed) bytes, got \(length)")
      }
      return Arena(base: caller, capacity: length, memory: nil)
    }
    let memory = try AlignedMemory.allocate(needed, for: "the session's arena")
    return Arena(base: memory.pointer, capacity: needed, memory: memory)
  }
}
