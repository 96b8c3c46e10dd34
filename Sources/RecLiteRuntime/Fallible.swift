// Running out of memory as an error instead of a trap.
//
// Embedded Swift's runtime traps when it cannot allocate a class instance or
// an array's storage. In the release library every Swift allocation passes
// through the format shim (the Makefile renames posix_memalign in the Swift
// objects), so code that must report RECLITE_E_NO_MEMORY — opening a model,
// creating a session, switching models — runs in a fallible section and
// reserves each Swift allocation just before it makes it. Reserving can fail
// and throws; the allocation that follows takes the reserved block and cannot.
// So every array such code creates has its final capacity from the start
// (growth would allocate again, unreserved).
//
// In SwiftPM builds the Swift runtime allocates on its own; reservations are
// then only used by the shim's own allocations and freed at the section's end.

import CRecLiteFormat

public enum Fallible {
  /// Runs `body` in a fallible section: reservations it makes and nothing takes are freed at the end.
  @inline(__always)
  public static func section<Result>(_ body: () throws(RecLiteError) -> Result) throws(RecLiteError) -> Result {
    rlf_section_begin()
    defer { rlf_section_end() }
    return try body()
  }

  /// Reserves `bytes` for the next allocation of at most that size on this thread.
  public static func reserve(bytes: Int, for what: StaticString) throws(RecLiteError) {
    guard bytes >= 0, rlf_reserve(bytes) != 0 else {
      throw RecLiteError(.noMemory, "out of memory: cannot allocate \(bytes) bytes for \(what)")
    }
  }

  /// Reserves the storage of an array of `count` elements (header and alignment included).
  public static func reserveArray<Element>(of type: Element.Type, count: Int, for what: StaticString) throws(RecLiteError) {
    guard count > 0 else { return }  // empty arrays share static storage
    let (payload, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
    guard !overflow && payload <= Int.max - arrayHeaderBytes - MemoryLayout<Element>.alignment else {
      throw RecLiteError(.noMemory, "out of memory: \(count) elements for \(what) exceed the address space")
    }
    try reserve(bytes: arrayHeaderBytes + MemoryLayout<Element>.alignment + payload, for: what)
  }

  /// Reserves an instance of one of the runtime's small classes (every one but `Model` and
  /// `Session` holds a few pointers and counts) just before its initializer runs. The sanitizer
  /// builds abort, naming the size, if one outgrows `smallObjectBytes`.
  public static func reserveObject(for what: StaticString) throws(RecLiteError) {
    try reserve(bytes: smallObjectBytes, for: what)
  }

  public static let smallObjectBytes = 512

  /// An array's heap header: object header (metadata, reference count) and body (count, capacity).
  static let arrayHeaderBytes = 4 * MemoryLayout<Int>.size

  /// Bytes to reserve for a class instance whose stored properties span `fields` bytes: the
  /// object header plus the fields, with room for a few more fields so adding one does not
  /// silently fall outside the reservation (the sanitizer builds abort when something does).
  public static func objectBytes(fields: Int) -> Int {
    2 * MemoryLayout<Int>.size + fields + 128
  }
}

extension Array {
  /// `count` copies of `value` in reserved storage: running out of memory throws instead of trapping.
  @inline(__always)
  init(fallibleRepeating value: Element, count: Int, for what: StaticString) throws(RecLiteError) {
    try Fallible.reserveArray(of: Element.self, count: count, for: what)
    self.init(repeating: value, count: count)
  }

  /// Gives an empty array room for `capacity` elements in reserved storage, so appending up to
  /// that many never allocates.
  @inline(__always)
  mutating func fallibleReserveCapacity(_ capacity: Int, for what: StaticString) throws(RecLiteError) {
    try Fallible.reserveArray(of: Element.self, count: capacity, for: what)
    reserveCapacity(capacity)
  }
}
