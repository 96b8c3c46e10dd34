// Element types and quantization kinds of the model format (schema/reclite.fbs).

/// Mirrors `reclite.fb.DType`.
public enum ElementType: Int8, Sendable {
  case float32 = 0
  case float16 = 1
  case int8 = 2
  case uint8 = 3
  /// Two 4-bit codes per byte, low nibble first.
  case uint4 = 4
  case int32 = 5
  case int64 = 6

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

  public var name: StaticString {
    switch self {
    case .float32: return "float32"
    case .float16: return "float16"
    case .int8: return "int8"
    case .uint8: return "uint8"
    case .uint4: return "uint4"
    case .int32: return "int32"
    case .int64: return "int64"
    }
  }

  /// Bytes that `count` packed elements occupy.
  public func byteCount(elements count: Int) -> Int {
    bits == 4 ? (count + 1) / 2 : count * (bits / 8)
  }
}

/// Mirrors `reclite.fb.QuantKind`.
public enum QuantizationKind: Int8, Sendable {
  case none = 0
  case perTensor = 1
  case perChannel = 2
  case rowWise = 3

  public var name: StaticString {
    switch self {
    case .none: return "none"
    case .perTensor: return "per-tensor"
    case .perChannel: return "per-channel"
    case .rowWise: return "row-wise"
    }
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
