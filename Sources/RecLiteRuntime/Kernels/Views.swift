// Typed views of stored tensors for the kernels. Built per op call from a
// verified TensorInfo (cheap value types; nothing is allocated).

/// Row-wise quantized rows: codes followed by scale and bias.
public enum RowWise {
  /// Scale and bias stored at `offset` (float32 pair for uint8 rows, float16 pair for uint4 rows).
  @inline(__always)
  public static func parameters(_ data: UnsafeRawPointer, at offset: Int, type: ElementType) -> (Float, Float) {
    if type == .uint4 {
      return (
        Half.toFloat(data.loadUnaligned(fromByteOffset: offset, as: UInt16.self)),
        Half.toFloat(data.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self))
      )
    }
    return (
      data.loadUnaligned(fromByteOffset: offset, as: Float.self),
      data.loadUnaligned(fromByteOffset: offset + 4, as: Float.self)
    )
  }
}

/// An embedding table: rows of `width` values in one of the table encodings; with a row remap,
/// logical rows map to stored rows (or to pruned zero rows); a mixed-precision table (format 2)
/// keeps some rows in a second part with its own encoding.
public struct TableView {
  public enum Encoding { case float32, float16, rowWiseUInt8, rowWiseUInt4 }

  /// The second part of a mixed-precision table and the bitmap that says which rows it holds.
  public struct Split {
    public let data: UnsafeRawPointer
    public let encoding: Encoding
    public let rowStride: Int
    /// Bit r of word r / 64 (little-endian words) set: logical row r is in this part.
    public let bits: UnsafeRawPointer
    /// Set bits before each word.
    public let rank: UnsafePointer<Int32>
  }

  public let data: UnsafeRawPointer
  public let encoding: Encoding
  public let width: Int
  /// Bytes from one stored row to the next.
  public let rowStride: Int
  /// Logical → stored row (-1: pruned, reads as zeros), or nil.
  public let remap: UnsafePointer<Int32>?
  /// The rows held in a second encoding, or nil.
  public let split: Split?

  /// nil when `tensor` is not a stored constant.
  public init?(_ tensor: TensorInfo, remap: TensorInfo?) {
    guard let data = tensor.data else { return nil }
    self.data = data
    width = tensor.dims.1
    (encoding, rowStride) = TableView.layout(tensor)
    self.remap = remap?.data?.assumingMemoryBound(to: Int32.self)
    split = nil
  }

  /// The table that tensor `t` of a verified graph stores, with its remap or split part.
  public init?(table t: Int, in graph: ModelGraph) {
    let tensor = graph.tensors[t]
    guard let data = tensor.data else { return nil }
    self.data = data
    width = tensor.dims.1
    (encoding, rowStride) = TableView.layout(tensor)
    remap = tensor.rowRemap >= 0 ? graph.tensors[tensor.rowRemap].data?.assumingMemoryBound(to: Int32.self) : nil
    if tensor.splitTable >= 0, tensor.rowSplit >= 0, let rank = tensor.splitRank {
      let part = graph.tensors[tensor.splitTable]
      guard let partData = part.data, let bits = graph.tensors[tensor.rowSplit].data else { return nil }
      let (partEncoding, partStride) = TableView.layout(part)
      split = Split(data: partData, encoding: partEncoding, rowStride: partStride, bits: bits, rank: rank)
    } else {
      split = nil
    }
  }

  private static func layout(_ tensor: TensorInfo) -> (Encoding, Int) {
    let width = tensor.dims.1
    switch (tensor.type, tensor.quantization.kind) {
    case (.float16, _): return (.float16, width * 2)
    case (.uint8, .rowWise): return (.rowWiseUInt8, RowWiseLayout.rowBytes(type: .uint8, width: width))
    case (.uint4, .rowWise): return (.rowWiseUInt4, RowWiseLayout.rowBytes(type: .uint4, width: width))
    default: return (.float32, width * 4)
    }
  }

  /// Stored row of a logical row, or -1 when the row was pruned.
  @inline(__always)
  public func storedRow(_ row: Int) -> Int {
    guard let remap else { return row }
    return Int(remap[row])
  }

  /// Where logical row `row` is stored and how, or nil for a pruned row: the remap gives the
  /// stored row; in a mixed-precision table the bitmap says which part holds it, and the set
  /// bits before it its position there.
  @inline(__always)
  public func locate(_ row: Int) -> (base: UnsafeRawPointer, encoding: Encoding)? {
    let stored = storedRow(row)
    guard stored >= 0 else { return nil }
    if let split {
      let shift = UInt64(truncatingIfNeeded: stored & 63)
      let word = UInt64(littleEndian: split.bits.load(fromByteOffset: (stored &>> 6) &* 8, as: UInt64.self))
      let before = Int(split.rank[stored &>> 6]) &+ (word & ((1 &<< shift) &- 1)).nonzeroBitCount
      if (word &>> shift) & 1 != 0 { return (split.data + before &* split.rowStride, split.encoding) }
      return (data + (stored &- before) &* rowStride, encoding)
    }
    return (data + stored &* rowStride, encoding)
  }

  /// Whether every row holds codes with a per-row scale and bias (row-wise uint8 or uint4).
  public var isRowWise: Bool {
    TableView.isRowWise(encoding) && (split.map { TableView.isRowWise($0.encoding) } ?? true)
  }

  private static func isRowWise(_ encoding: Encoding) -> Bool { encoding == .rowWiseUInt8 || encoding == .rowWiseUInt4 }

  /// Code j of a row-wise row at `base` (0 for other encodings).
  @inline(__always)
  public static func code(_ base: UnsafeRawPointer, _ encoding: Encoding, column j: Int) -> UInt8 {
    switch encoding {
    case .rowWiseUInt4:
      let byte = base.load(fromByteOffset: j &>> 1, as: UInt8.self)
      return j & 1 == 0 ? byte & 0x0F : byte &>> 4
    case .rowWiseUInt8:
      return base.load(fromByteOffset: j, as: UInt8.self)
    case .float32, .float16:
      return 0
    }
  }

  /// Scale and bias of a row-wise row at `base` of `width` values: real = code · scale + bias.
  @inline(__always)
  public static func parameters(_ base: UnsafeRawPointer, _ encoding: Encoding, width: Int) -> (scale: Float, bias: Float) {
    encoding == .rowWiseUInt4
      ? RowWise.parameters(base, at: (width &+ 1) &>> 1, type: .uint4)
      : RowWise.parameters(base, at: width, type: .uint8)
  }

  /// Code j of a logical row of a row-wise table (0 for a pruned row).
  @inline(__always)
  public func code(row: Int, column j: Int) -> UInt8 {
    guard let (base, encoding) = locate(row) else { return 0 }
    return TableView.code(base, encoding, column: j)
  }

  /// Scale and bias of a logical row of a row-wise table (0, 0 for a pruned row): real = code · scale + bias.
  @inline(__always)
  public func rowParameters(row: Int) -> (scale: Float, bias: Float) {
    guard let (base, encoding) = locate(row), TableView.isRowWise(encoding) else { return (0, 0) }
    return TableView.parameters(base, encoding, width: width)
  }

  /// The real value at column j of a logical row (0 for a pruned row), as the reference kernels decode it.
  @inline(__always)
  public func value(row: Int, column j: Int) -> Float {
    guard let (base, encoding) = locate(row) else { return 0 }
    switch encoding {
    case .float32:
      return base.load(fromByteOffset: j * 4, as: Float.self)
    case .float16:
      return Half.toFloat(base.load(fromByteOffset: j * 2, as: UInt16.self))
    case .rowWiseUInt8, .rowWiseUInt4:
      let (scale, bias) = TableView.parameters(base, encoding, width: width)
      return Float(TableView.code(base, encoding, column: j)) * scale + bias
    }
  }
}

/// A DENSE weight [out, in]: float32, float16 or int8 with per-tensor or
/// per-output-channel scales, optionally stored as CSR.
public struct WeightView {
  public enum Encoding { case float32, float16, int8 }

  public let data: UnsafeRawPointer
  public let encoding: Encoding
  public let outputs: Int
  public let inputs: Int
  /// int8: scale and zero point per output row (one shared entry when per-tensor).
  public let scales: UnsafePointer<Float>?
  public let zeroPoints: UnsafePointer<Int32>?
  public let perChannel: Bool
  /// CSR: row offsets [outputs + 1] and column indices [nnz], or nil for dense.
  public let rowOffsets: UnsafePointer<Int32>?
  public let columns: UnsafePointer<Int32>?

  /// nil when `tensor` is not a stored constant.
  public init?(_ tensor: TensorInfo, rowOffsets: TensorInfo?, columns: TensorInfo?) {
    guard let data = tensor.data else { return nil }
    self.data = data
    outputs = tensor.dims.0
    inputs = tensor.dims.1
    switch tensor.type {
    case .float16: encoding = .float16
    case .int8: encoding = .int8
    default: encoding = .float32
    }
    // Scales mean something for int8 codes only (a float tensor's stray scales are ignored).
    let quantized = tensor.type == .int8
    scales = quantized ? tensor.quantization.scales : nil
    zeroPoints = quantized && tensor.quantization.zeroPointCount > 0 ? tensor.quantization.zeroPoints : nil
    perChannel = tensor.quantization.kind == .perChannel
    self.rowOffsets = rowOffsets?.data?.assumingMemoryBound(to: Int32.self)
    self.columns = columns?.data?.assumingMemoryBound(to: Int32.self)
  }

  /// Dequantization of output row `o`: real = scale × (q − zeroPoint).
  @inline(__always)
  public func quantization(row o: Int) -> (scale: Float, zeroPoint: Float) {
    let c = perChannel ? o : 0
    return (scales?[c] ?? 1, Float(zeroPoints?[c] ?? 0))
  }

  /// The real value of stored element `index` (a position in the value array).
  @inline(__always)
  public func value(at index: Int, row o: Int) -> Float {
    switch encoding {
    case .float32:
      return data.load(fromByteOffset: index * 4, as: Float.self)
    case .float16:
      return Half.toFloat(data.load(fromByteOffset: index * 2, as: UInt16.self))
    case .int8:
      let (scale, zeroPoint) = quantization(row: o)
      return scale * (Float(data.load(fromByteOffset: index, as: Int8.self)) - zeroPoint)
    }
  }
}

/// A float32 matrix: `rowStride` 0 broadcasts one row to all; with `rowIndices`, row r is row
/// rowIndices[r] of the storage (a lookup read in place from a float32 table).
public struct MatrixView {
  public let base: UnsafeMutablePointer<Float>
  public let width: Int
  public let rowStride: Int
  public let rowIndices: UnsafePointer<Int32>?

  public init(base: UnsafeMutablePointer<Float>, width: Int, rowStride: Int, rowIndices: UnsafePointer<Int32>? = nil) {
    self.base = base
    self.width = width
    self.rowStride = rowStride
    self.rowIndices = rowIndices
  }

  @inline(__always)
  public func row(_ r: Int) -> UnsafeMutablePointer<Float> {
    guard let rowIndices else { return base + r &* rowStride }
    return base + Int(rowIndices[r]) &* rowStride
  }

  /// Whether row r + 1 starts right after row r: the rows form one flat array.
  @inline(__always)
  public var isContiguous: Bool { rowIndices == nil && rowStride == width }
}
