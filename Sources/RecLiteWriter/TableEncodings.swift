// Embedding tables and dense weights in each stored encoding, as ModelBuilder constants: the
// toolkit's exporters and `reclite compress` both write tables through these.

import RecLiteRuntime

/// How one embedding table is stored.
public enum TableStorage: Equatable, Sendable {
  case float32
  case float16
  /// Row-wise codes with a per-row scale and bias: 8 (uint8, float32 parameters) or 4 bits
  /// (uint4, float16 parameters).
  case rowWise(bits: Int)
  /// Row-wise uint8 for the rows flagged true, uint4 for the others (format 2).
  case mixed(int8Rows: [Bool])

  /// Bytes one row of `width` values takes (the mean over rows for `.mixed`).
  public func rowBytes(width: Int) -> Double {
    switch self {
    case .float32: return Double(width * 4)
    case .float16: return Double(width * 2)
    case .rowWise(let bits): return Double(RowWiseLayout.rowBytes(type: bits == 8 ? .uint8 : .uint4, width: width))
    case .mixed(let int8Rows):
      let wide = Double(int8Rows.filter { $0 }.count) / Double(max(1, int8Rows.count))
      return wide * TableStorage.rowWise(bits: 8).rowBytes(width: width) + (1 - wide) * TableStorage.rowWise(bits: 4).rowBytes(width: width)
    }
  }
}

extension ModelBuilder {
  /// A [rows, width] table (row-major values) stored as `storage`.
  public func table(_ name: String, _ values: [Float], rows: Int, width: Int, storage: TableStorage) throws -> TensorRef {
    let table = constant(name, floats: [], shape: [0, width])
    try storeTable(table.index, values, rows: rows, width: width, storage: storage)
    return table
  }

  /// Stores `values`, a [rows, width] table (row-major), in constant `t` as `storage`; its name
  /// and row remap stay.
  public func storeTable(_ t: Int, _ values: [Float], rows: Int, width: Int, storage: TableStorage) throws {
    let name = tensors[t].name
    guard values.count == rows * width else {
      throw ModelWriterError("\(name): \(values.count) values for [\(rows), \(width)]")
    }
    let shape = [rows, width]
    switch storage {
    case .float32:
      if let i = values.firstIndex(where: { !$0.isFinite }) {
        throw ModelWriterError("\(name): value \(i) is \(values[i]), not a finite number")
      }
      restore(t, type: .float32, shape: shape, bytes: Encoding.bytes(values))
    case .float16:
      restore(t, type: .float16, shape: shape, bytes: try Quantize.float16(values, name: name))
    case .rowWise(let bits):
      restore(
        t, type: bits == 8 ? .uint8 : .uint4, shape: shape,
        bytes: try Quantize.rowWise(values, rows: rows, width: width, bits: bits, name: name), quantization: .rowWise)
    case .mixed(let int8Rows):
      guard int8Rows.count == rows else { throw ModelWriterError("\(name): \(int8Rows.count) row flags for \(rows) rows") }
      let wide = int8Rows.indices.filter { int8Rows[$0] }
      let narrow = int8Rows.indices.filter { !int8Rows[$0] }
      func picked(_ rows: [Int]) -> [Float] { rows.flatMap { values[($0 * width)..<(($0 + 1) * width)] } }
      try storeTable(t, picked(wide), rows: wide.count, width: width, storage: .rowWise(bits: 8))
      if !narrow.isEmpty {
        let part = try table(name + ".int4_rows", picked(narrow), rows: narrow.count, width: width, storage: .rowWise(bits: 4))
        setSplit(TensorRef(index: t), part: part, inPart: int8Rows.map { !$0 })
      }
    }
  }

  /// A dense layer's weight [outputs, inputs]: float32 or per-output-channel symmetric int8,
  /// dense or in CSR form (only the nonzeros, with their columns).
  public func weight(_ name: String, _ values: [Float], outputs: Int, inputs: Int, int8: Bool, csr: Bool) throws -> TensorRef {
    let weight = constant(name, floats: [], shape: [0, inputs])
    try storeWeight(weight.index, values, outputs: outputs, inputs: inputs, int8: int8, csr: csr)
    return weight
  }

  /// Stores a dense layer's weight [outputs, inputs] in constant `t` (see `weight`).
  public func storeWeight(_ t: Int, _ values: [Float], outputs: Int, inputs: Int, int8: Bool, csr: Bool) throws {
    let name = tensors[t].name
    guard values.count == outputs * inputs else {
      throw ModelWriterError("\(name): \(values.count) values for [\(outputs), \(inputs)]")
    }
    let shape = [outputs, inputs]
    var codes: [UInt8] = []
    var quantization = QuantizationSpec.none
    if int8 {
      let (bytes, scales) = try Quantize.perChannelInt8(values, outputs: outputs, inputs: inputs, name: name)
      codes = bytes
      quantization = .perChannel(scales: scales, zeroPoints: nil, axis: 0)
    } else if let i = values.firstIndex(where: { !$0.isFinite }) {
      throw ModelWriterError("\(name): weight \(i) is \(values[i]), not a finite number")
    }
    guard csr else {
      restore(t, type: int8 ? .int8 : .float32, shape: shape, bytes: int8 ? codes : Encoding.bytes(values), quantization: quantization)
      return
    }
    let sparse = Quantize.csr(values, rows: outputs, columns: inputs)
    let kept = (0..<(outputs * inputs)).filter { values[$0] != 0 }
    restore(
      t, type: int8 ? .int8 : .float32, shape: shape, bytes: int8 ? kept.map { codes[$0] } : Encoding.bytes(sparse.values),
      quantization: quantization)
    makeSparse(TensorRef(index: t), rowOffsets: sparse.rowOffsets, columns: sparse.columns)
  }
}
