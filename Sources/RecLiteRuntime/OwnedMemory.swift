// Owners of the runtime's memory: every allocation (an arena, a packed table, a copy of a
// model, a mapped file) is held by one of these and released by its deinit.
//
// Why not a deinit on the objects that use the memory: Embedded Swift (6.3) leaks an object
// whose throwing or failable init fails if its class has a deinit, so classes whose init can
// fail (Model, Session, the packed tables) hold their memory through these instead and have no
// deinit of their own. These two never fail to initialize: the fallible allocation happens in a
// static factory, before the object exists.

import CRecLiteFormat

/// Memory from `rlf_aligned_alloc` (zeroed), freed with the last reference.
final class AlignedMemory {
  let pointer: UnsafeMutableRawPointer
  let byteCount: Int

  private init(pointer: UnsafeMutableRawPointer, byteCount: Int) {
    self.pointer = pointer
    self.byteCount = byteCount
  }

  /// `byteCount` zeroed bytes at a multiple of `alignment`, or RECLITE_E_NO_MEMORY naming `what`.
  static func allocate(_ byteCount: Int, alignment: Int = MemoryPlanner.alignment, for what: StaticString)
    throws(RecLiteError) -> AlignedMemory
  {
    guard let pointer = rlf_aligned_alloc(byteCount, alignment) else {
      throw RecLiteError(.noMemory, "out of memory: cannot allocate \(byteCount) bytes for \(what)")
    }
    do throws(RecLiteError) {
      try Fallible.reserveObject(for: what)
    } catch {
      rlf_aligned_free(pointer)
      throw error
    }
    return AlignedMemory(pointer: pointer, byteCount: byteCount)
  }

  /// The memory as `count` values of `type`, filled with `value`.
  func bind<T>(to type: T.Type, repeating value: T, count: Int) -> UnsafeMutablePointer<T> {
    let typed = pointer.bindMemory(to: T.self, capacity: count)
    typed.update(repeating: value, count: count)
    return typed
  }

  deinit { rlf_aligned_free(pointer) }
}

/// A file mapped read-only by `rlf_map_file`, unmapped with the last reference.
final class MappedFile {
  let bytes: UnsafePointer<UInt8>
  let length: Int

  private init(bytes: UnsafePointer<UInt8>, length: Int) {
    self.bytes = bytes
    self.length = length
  }

  /// Maps `path`, or RECLITE_E_IO with the system's reason.
  static func map(_ path: UnsafePointer<CChar>) throws(RecLiteError) -> MappedFile {
    var data: UnsafePointer<UInt8>? = nil
    var length = 0
    let error = rlf_map_file(path, &data, &length)
    guard error == 0, let data else {
      let reason = StringRef(cString: rlf_errno_text(error))
      throw RecLiteError(.io, "cannot open \(StringRef(cString: path)): \(reason)")
    }
    do throws(RecLiteError) {
      try Fallible.reserveObject(for: "a mapped model file")
    } catch {
      rlf_unmap_file(data, length)
      throw error
    }
    return MappedFile(bytes: data, length: length)
  }

  deinit { rlf_unmap_file(bytes, length) }
}
