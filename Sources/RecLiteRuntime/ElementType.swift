// What the runtime derives from the format's element types and quantization
// kinds (the enums themselves are generated from schema/reclite.fbs into
// Generated/FormatEnums.swift).

extension ElementType {
  /// Bits per element (4 for `uint4`).
  public var bits: Int {
    switch self {
    case .float32, .int32: return 32
    case .float16: return 16
    case .int8, .uint8: return 8
    case .uint4: return 4
    case .int64: return 64
    }
  }

  /// Bytes that `count` packed elements occupy.
  public func byteCount(elements count: Int) -> Int {
    bits == 4 ? (count + 1) / 2 : count * (bits / 8)
  }
}

/// Layout of one row of a row-wise quantized embedding table (FBGEMM-style
/// fused rows): codes, then scale and bias, padded to 4 bytes.
public enum RowWiseLayout {
  /// Bytes of one stored row of `width` values.
  public static func rowBytes(type: ElementType, width: Int) -> Int {
    let codes = type.byteCount(elements: width)
    let parameters = type == .uint4 ? 4 : 8  // two float16 or two float32
    return (codes + parameters + 3) & ~3
  }
}
