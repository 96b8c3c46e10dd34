// Errors of the runtime: a stable status code (`Status`, generated from
// include/reclite.h into Generated/APIEnums.swift) plus a one-line message.
//
// Embedded-clean: messages are built in fixed inline storage from StaticString
// literals and integers through string interpolation, so reporting an error
// never allocates and never needs String. Only `description` (for host code
// that prints a message or a model string) makes a String.

/// A failure: what kind, and a message naming the first problem.
public struct RecLiteError: Error, Sendable {
  public var status: Status
  public var message: Message

  public init(_ status: Status, _ message: Message) {
    self.status = status
    self.message = message
  }
}

/// A short message in fixed inline storage (at most `Message.capacity` bytes;
/// longer text is cut). Build it with string interpolation:
/// `"tensor \(t): buffer \(b) out of range (have \(n))"`.
public struct Message: ExpressibleByStringInterpolation, Sendable {
  public static let capacity = 247

  /// 248 bytes: `capacity` bytes of text plus room for the terminating NUL.
  typealias Storage = (
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
  )
  var storage: Storage = (
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  )
  /// Bytes of text in `storage`.
  public private(set) var count: Int = 0

  public init() {}

  public init(stringLiteral literal: StaticString) {
    append(literal)
  }

  public init(stringInterpolation: Interpolation) {
    self = stringInterpolation.message
  }

  /// Appends raw bytes, cutting at capacity.
  public mutating func append(bytes: UnsafePointer<UInt8>?, count n: Int) {
    guard let bytes, n > 0 else { return }
    let start = count
    withUnsafeMutableBytes(of: &storage) { out in
      var i = 0
      while i < n && start + i < Message.capacity {
        out[start + i] = bytes[i]
        i += 1
      }
      count = start + i
    }
  }

  public mutating func append(_ literal: StaticString) {
    append(bytes: literal.utf8Start, count: literal.utf8CodeUnitCount)
  }

  public mutating func append(_ text: StringRef) {
    append(bytes: text.base, count: text.count)
  }

  public mutating func append(_ value: Int64) {
    if value < 0 { append("-") }
    appendDigits(value.magnitude)
  }

  public mutating func append(_ value: UInt64) {
    appendDigits(value)
  }

  private mutating func appendDigits(_ value: UInt64) {
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 20 decimal digits
    var remaining = value
    var n = 0
    withUnsafeMutableBytes(of: &digits) { d in
      repeat {
        d[n] = UInt8(truncatingIfNeeded: 48 + remaining % 10)
        remaining /= 10
        n += 1
      } while remaining > 0
      var reversed: (UInt64, UInt64, UInt64) = (0, 0, 0)
      withUnsafeMutableBytes(of: &reversed) { r in
        for i in 0..<n { r[i] = d[n - 1 - i] }
        append(bytes: r.baseAddress?.assumingMemoryBound(to: UInt8.self), count: n)
      }
    }
  }

  /// Calls `body` with the text (not NUL-terminated).
  public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    withUnsafeBytes(of: storage) { raw in
      body(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count))
    }
  }

  /// Copies the text into `destination` as a NUL-terminated C string of at most `capacity` bytes in all.
  public func copy(to destination: UnsafeMutablePointer<CChar>, capacity destinationCapacity: Int) {
    guard destinationCapacity > 0 else { return }
    withBytes { text in
      let n = min(text.count, destinationCapacity - 1)
      for i in 0..<n { destination[i] = CChar(bitPattern: text[i]) }
      destination[n] = 0
    }
  }

  /// Each append is a call, not inlined: messages are built at a hundred throw sites, and
  /// inlining them cost 7 KB of the library on aarch64 and 20 KB on armv7 (error paths only).
  public struct Interpolation: StringInterpolationProtocol {
    var message = Message()
    public init(literalCapacity: Int, interpolationCount: Int) {}
    @inline(never) public mutating func appendLiteral(_ literal: StaticString) { message.append(literal) }
    @inline(never) public mutating func appendInterpolation(_ text: StaticString) { message.append(text) }
    @inline(never) public mutating func appendInterpolation(_ text: StringRef) { message.append(text) }
    @inline(never) public mutating func appendInterpolation(_ value: Int) { message.append(Int64(value)) }
    @inline(never) public mutating func appendInterpolation(_ value: Int32) { message.append(Int64(value)) }
    @inline(never) public mutating func appendInterpolation(_ value: Int64) { message.append(value) }
    @inline(never) public mutating func appendInterpolation(_ value: UInt32) { message.append(UInt64(value)) }
    @inline(never) public mutating func appendInterpolation(_ value: UInt64) { message.append(value) }
    @inline(never) public mutating func appendInterpolation(_ message: Message) {
      message.withBytes { self.message.append(bytes: $0.baseAddress, count: $0.count) }
    }
  }
}

/// The text as a String (invalid UTF-8 repaired), for host programs and tests that print it.
extension Message: CustomStringConvertible {
  public var description: String {
    withBytes { String(decoding: $0, as: UTF8.self) }
  }
}

/// Bytes of a string stored in the model (UTF-8, not owned). Valid while the model lives.
public struct StringRef: @unchecked Sendable {
  public let base: UnsafePointer<UInt8>?
  public let count: Int

  public init(base: UnsafePointer<UInt8>?, count: Int) {
    self.base = base
    self.count = base == nil ? 0 : count
  }

  public static let empty = StringRef(base: nil, count: 0)

  public var isEmpty: Bool { count == 0 }

  /// Byte-wise equality with a NUL-terminated C string.
  public func equals(cString: UnsafePointer<CChar>) -> Bool {
    var i = 0
    while i < count {
      guard let base, UInt8(bitPattern: cString[i]) == base[i] else { return false }
      i += 1
    }
    return cString[count] == 0
  }

  /// Byte-wise equality with a literal.
  public func equals(_ literal: StaticString) -> Bool {
    guard literal.utf8CodeUnitCount == count else { return false }
    let other = literal.utf8Start
    for i in 0..<count where base?[i] != other[i] { return false }
    return true
  }
}

/// The model's string as a String (invalid UTF-8 repaired), for host programs and tests.
extension StringRef: CustomStringConvertible {
  public var description: String {
    guard let base else { return "" }
    return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
  }
}
