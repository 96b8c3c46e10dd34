// Hot model swap: the model new requests should use, replaceable while other
// threads serve requests.
//
// A slot holds one reference to its current model. Publishing swaps in a new
// model and drops the slot's reference to the old one, which lives on while
// sessions still run it: each session holds its own reference and moves to
// the newest model only when asked (`ServingSession.refresh`), between its
// requests. Readers never lock: the pointer and its reference are taken
// through the shim's rlf_slot, which makes a replacement wait until no reader
// is between loading the old pointer and referencing it — the load-then-retain
// race in which a model could be freed under a reader.

import CRecLiteFormat

public final class ModelSlot: @unchecked Sendable {  // publish and current are thread-safe
  /// The shared pointer: one retained `Model` and the count of replacements.
  let cell: OpaquePointer

  private init(cell: OpaquePointer) {
    self.cell = cell
  }

  /// A slot serving `model` (the slot takes its own reference).
  public static func create(serving model: Model) throws(RecLiteError) -> ModelSlot {
    try Fallible.section { () throws(RecLiteError) -> ModelSlot in
      let reference = Unmanaged.passRetained(model)
      guard let cell = rlf_slot_create(reference.toOpaque()) else {
        reference.release()
        throw RecLiteError(.noMemory, "out of memory: cannot allocate a model slot")
      }
      do throws(RecLiteError) {
        try Fallible.reserve(bytes: Fallible.objectBytes(fields: MemoryLayout<OpaquePointer>.size), for: "a model slot")
      } catch {
        rlf_slot_destroy(cell)
        reference.release()
        throw error
      }
      return ModelSlot(cell: cell)
    }
  }

  deinit {
    // No reader can exist: every reader holds a reference to this slot.
    if let last = rlf_slot_replace(cell, nil) { Unmanaged<Model>.fromOpaque(last).release() }
    rlf_slot_destroy(cell)
  }

  /// Makes `model` the one new requests use. Sessions switch to it when they refresh; the
  /// previous model is freed when the last session running it has switched or closed.
  /// Allocates nothing; safe to call from any thread, concurrently with readers.
  public func publish(_ model: Model) {
    let previous = rlf_slot_replace(cell, Unmanaged.passRetained(model).toOpaque())
    if let previous { Unmanaged<Model>.fromOpaque(previous).release() }
  }

  /// How many models were published after the first; changes with every `publish`.
  public var generation: UInt { rlf_slot_generation(cell) }

  /// The current model and the generation it belongs to (the model may be newer, never
  /// older: the generation is read first). Lock-free; allocates nothing.
  public func current() throws(RecLiteError) -> (model: Model, generation: UInt) {
    let generation = rlf_slot_generation(cell)
    // The retain runs inside the shim's read, before the slot may release the model.
    let raw = rlf_slot_read(cell) { value in
      if let value { _ = Unmanaged<Model>.fromOpaque(value).retain() }
    }
    // Only deinit empties the slot, and then nobody can call this.
    guard let raw else { throw RecLiteError(.internalError, "the model slot holds no model") }
    return (Unmanaged<Model>.fromOpaque(raw).takeRetainedValue(), generation)
  }
}
