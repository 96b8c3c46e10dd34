// The runtime's view of a verified model: plain values read once at open.
// Pointers point into the model's bytes (mapped file or owned copy).

/// When a tensor's value is known or computed.
public enum Stage: Int8, Sendable, Comparable {
  /// Stored in the file.
  case constant = 0
  /// Depends on the request (user, context): computed once per request, one row.
  case request = 1
  /// Depends on the candidate items: computed per chunk of up to `maxBatch` rows.
  case candidate = 2

  public static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }

  public var name: StaticString {
    switch self {
    case .constant: return "constant"
    case .request: return "request"
    case .candidate: return "candidate"
    }
  }
}

/// Quantization parameters of a tensor (pointers into the file).
public struct Quantization: @unchecked Sendable {
  public var kind: QuantizationKind = .none
  public var scales: UnsafePointer<Float>? = nil
  public var scaleCount: Int = 0
  public var zeroPoints: UnsafePointer<Int32>? = nil
  public var zeroPointCount: Int = 0
  public var axis: Int = 0

  public init() {}
}

/// A tensor: a constant stored in the file or an activation in the arena.
public struct TensorInfo: @unchecked Sendable {
  public var name: StringRef = .empty
  public var type: ElementType = .float32
  /// Dimensions as stored; -1 marks the batch dimension. Rank is 1 or 2.
  public var dims: (Int, Int) = (0, 0)
  public var rank: Int = 0
  /// Constants: the stored bytes.
  public var data: UnsafeRawPointer? = nil
  public var byteCount: Int = 0
  public var bufferIndex: Int = 0
  public var quantization = Quantization()
  /// CSR sparsity: tensor indices of row offsets and column indices, or -1.
  public var sparseRowOffsets: Int = -1
  public var sparseColumnIndices: Int = -1
  /// Embedding tables: tensor index of the logical → stored row map, or -1.
  public var rowRemap: Int = -1
  /// Mixed-precision tables: tensor index of the second part and of its row bitmap, or -1;
  /// and the bitmap's rank table (set bits before each 64-row word), built at open.
  public var splitTable: Int = -1
  public var rowSplit: Int = -1
  public var splitRank: UnsafePointer<Int32>? = nil
  /// The type the file stores when the loader widened an index vector (uint8 → int32), else nil.
  public var fileType: ElementType? = nil
  /// Activations: byte offset in the arena; -1 for constants.
  public var arenaOffset: Int = -1
  public var stage: Stage = .constant

  public init() {}

  public var isConstant: Bool { bufferIndex != 0 }
  public var isSparse: Bool { sparseRowOffsets >= 0 }

  /// Rows: the first dimension (a rank-1 tensor's length).
  public var rows: Int { dims.0 }
  /// Values per row: the second dimension, or 1 for rank-1 tensors.
  public var width: Int { rank >= 2 ? dims.1 : 1 }
}

/// One op of the graph. Inputs are `inputCount` entries of `ModelGraph.opInputs`
/// starting at `inputStart` (-1 = absent optional input).
public struct OpInfo: Sendable {
  public var code: OpCode = .sigmoid
  public var inputStart: Int = 0
  public var inputCount: Int = 0
  /// Output tensor, or -1 (TOP_K).
  public var output: Int = -1
  public var activation: Activation = .none
  public var bagMode: BagMode = .sum
  public var stage: Stage = .request

  public init() {}
}

/// Maps raw request values to table rows.
public struct FeatureInfo: @unchecked Sendable {
  public var name: StringRef = .empty
  public var kind: FeatureKind = .user
  /// Sorted raw values (row = position), or nil for the identity map.
  public var vocabulary: UnsafePointer<Int64>? = nil
  public var vocabularyTensor: Int = -1
  public var rowCount: Int = 0
  public var oovRow: Int = 0
  /// The INT32 graph input that receives the row.
  public var input: Int = -1

  public init() {}

  /// Row of a raw value, or nil when the value is unknown.
  @inline(__always)
  public func row(of value: Int64) -> Int? {
    guard let vocabulary else {
      return value >= 0 && value < Int64(rowCount) ? Int(value) : nil
    }
    // Branch-free binary search: the next step's base is a select, not a branch, so random
    // ids cost no mispredictions (about 14 dependent loads for 9,000 items).
    guard rowCount > 0 else { return nil }
    var base = 0
    var length = rowCount
    while length > 1 {
      let half = length / 2
      base = vocabulary[base &+ half] <= value ? base &+ half : base
      length &-= half
    }
    return vocabulary[base] == value ? base : nil
  }

  /// Row of a raw value; unknown values map to the out-of-vocabulary row.
  @inline(__always)
  public func rowOrOOV(of value: Int64) -> Int { row(of: value) ?? oovRow }

  /// Raw value of a known row.
  @inline(__always)
  public func value(ofRow row: Int) -> Int64 {
    vocabulary.map { $0[row] } ?? Int64(row)
  }
}
