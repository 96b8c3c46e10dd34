// A small FlatBuffers encoder: enough of the binary format to write
// schema/reclite.fbs (tables, scalars, strings, vectors of scalars, structs
// and tables). Like the reference builders it writes back to front, so every
// unsigned offset points forward as the format requires; unlike them it keeps
// the bytes reversed in an array (appending is prepending) and reverses once
// at the end.

/// A finished object, named by its distance from the end of the buffer.
public struct FlatOffset: Hashable, Sendable {
  let fromEnd: Int
}

public struct FlatBufferBuilder {
  /// The buffer's bytes, last byte first.
  private var reversed: [UInt8] = []
  /// Largest alignment any value needed; the buffer's size is padded to it.
  private var minimumAlignment = 1
  /// Fields of the table being built: (field slot, distance from end).
  private var fields: [(slot: Int, fromEnd: Int)] = []
  private var tableStart = 0
  private var inTable = false

  public init() {}

  /// Bytes written so far (= distance from the end of the current position).
  var size: Int { reversed.count }

  // MARK: Raw writing

  private mutating func pad(_ count: Int) {
    reversed.append(contentsOf: repeatElement(0, count: count))
  }

  /// Pads so that after writing `additional` more bytes the position is a multiple of `alignment`.
  private mutating func align(_ alignment: Int, additional: Int = 0) {
    minimumAlignment = max(minimumAlignment, alignment)
    let padding = (alignment - (size + additional) % alignment) % alignment
    pad(padding)
  }

  /// Prepends a little-endian scalar (no alignment).
  private mutating func put<T: FixedWidthInteger>(_ value: T) {
    var v = value.littleEndian
    withUnsafeBytes(of: &v) { bytes in
      for i in stride(from: bytes.count - 1, through: 0, by: -1) { reversed.append(bytes[i]) }
    }
  }

  private mutating func put(_ value: Float) { put(value.bitPattern) }

  /// Prepends an unsigned offset to `target`, relative to where the offset itself lands.
  private mutating func putOffset(_ target: FlatOffset) {
    align(4)
    precondition(target.fromEnd <= size, "FlatBufferBuilder: offsets must point to objects written earlier")
    put(UInt32(size + 4 - target.fromEnd))
  }

  /// Overwrites a 4-byte little-endian value whose first byte is `fromEnd` bytes from the end.
  private mutating func patch(_ value: UInt32, at fromEnd: Int) {
    for i in 0..<4 { reversed[fromEnd - 1 - i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
  }

  // MARK: Objects

  public mutating func createString(_ string: String) -> FlatOffset {
    precondition(!inTable, "FlatBufferBuilder: strings must be created outside tables")
    let utf8 = Array(string.utf8)
    align(4, additional: utf8.count + 1)
    reversed.append(0)
    for byte in utf8.reversed() { reversed.append(byte) }
    put(UInt32(utf8.count))
    return FlatOffset(fromEnd: size)
  }

  public mutating func createVector<T: FixedWidthInteger>(_ values: [T]) -> FlatOffset {
    precondition(!inTable, "FlatBufferBuilder: vectors must be created outside tables")
    let elementSize = MemoryLayout<T>.size
    align(4, additional: values.count * elementSize)
    align(elementSize, additional: values.count * elementSize)
    for value in values.reversed() { put(value) }
    put(UInt32(values.count))
    return FlatOffset(fromEnd: size)
  }

  public mutating func createVector(_ values: [Float]) -> FlatOffset {
    createVector(values.map(\.bitPattern))
  }

  public mutating func createVector(offsets: [FlatOffset]) -> FlatOffset {
    precondition(!inTable, "FlatBufferBuilder: vectors must be created outside tables")
    align(4, additional: offsets.count * 4)
    for target in offsets.reversed() { putOffset(target) }
    put(UInt32(offsets.count))
    return FlatOffset(fromEnd: size)
  }

  /// A vector of structs made of two UInt64 fields each (reclite.fb.BufferRef).
  public mutating func createVector(pairs: [(UInt64, UInt64)]) -> FlatOffset {
    precondition(!inTable, "FlatBufferBuilder: vectors must be created outside tables")
    align(4, additional: pairs.count * 16)
    align(8, additional: pairs.count * 16)
    for (first, second) in pairs.reversed() {
      put(second)
      put(first)
    }
    put(UInt32(pairs.count))
    return FlatOffset(fromEnd: size)
  }

  // MARK: Tables

  public mutating func startTable() {
    precondition(!inTable, "FlatBufferBuilder: tables do not nest while building")
    inTable = true
    fields.removeAll(keepingCapacity: true)
    tableStart = size
  }

  /// Adds a scalar field; returns its distance from the end (to locate it later).
  @discardableResult
  public mutating func add<T: FixedWidthInteger>(_ slot: Int, _ value: T) -> Int {
    align(MemoryLayout<T>.size)
    put(value)
    fields.append((slot, size))
    return size
  }

  public mutating func add(_ slot: Int, _ value: Float) {
    add(slot, value.bitPattern)
  }

  public mutating func add(_ slot: Int, offset: FlatOffset) {
    putOffset(offset)
    fields.append((slot, size))
  }

  public mutating func endTable() -> FlatOffset {
    precondition(inTable, "FlatBufferBuilder: endTable without startTable")
    align(4)
    put(Int32(0))  // soffset to the vtable, patched below
    let table = size
    let slots = (fields.map(\.slot).max() ?? -1) + 1
    var vtable = [UInt16](repeating: 0, count: 2 + slots)
    vtable[0] = UInt16((2 + slots) * 2)
    vtable[1] = UInt16(table - tableStart)
    for field in fields { vtable[2 + field.slot] = UInt16(table - field.fromEnd) }
    for entry in vtable.reversed() { put(entry) }
    patch(UInt32(bitPattern: Int32(size - table)), at: table)
    inTable = false
    return FlatOffset(fromEnd: table)
  }

  /// Finishes the buffer with a root table and a 4-byte file identifier and returns its bytes
  /// (their count turns a distance from the end into a position).
  public mutating func finish(root: FlatOffset, identifier: StaticString) -> [UInt8] {
    precondition(identifier.utf8CodeUnitCount == 4, "FlatBufferBuilder: identifiers are 4 bytes")
    align(max(minimumAlignment, 4), additional: 8)
    let id = identifier.utf8Start
    for i in stride(from: 3, through: 0, by: -1) { reversed.append(id[i]) }
    putOffset(root)
    return reversed.reversed()
  }
}
