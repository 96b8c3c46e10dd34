// Encodings of trained weights for the .rlm file: float16, row-wise uint8/uint4 embedding rows
// (FBGEMM-style fused scale and bias), per-channel symmetric int8 dense weights, and CSR for
// pruned dense weights.
//
// Every quantizer bounds its round-trip error: a row-wise row or an int8 channel decodes each
// value to within half a step (scale / 2) of the original, up to float rounding. Scales and
// biases are always finite: a NaN or infinite input value, or a row whose range no stored
// scale can span, is an error that names the row, never a NaN or infinite scale in the file.

import RecLiteRuntime

public enum Quantize {
  /// float16 bytes of `values` (round to nearest even). Values outside float16's range are an
  /// error (they would become infinities).
  public static func float16(_ values: [Float], name: String = "table") throws -> [UInt8] {
    for (i, value) in values.enumerated() where !(abs(value) <= Float(Float16.greatestFiniteMagnitude)) {
      throw ModelWriterError("\(name): value \(i) (\(value)) does not fit float16")
    }
    return Encoding.bytes(values.map(Half.fromFloat))
  }

  /// Row-wise quantized table bytes for `rows` rows of `width` values (row-major), with `bits`
  /// 8 (uint8 codes, float32 scale and bias) or 4 (uint4 codes, float16 scale and bias).
  /// real ≈ code × scale + bias, within scale / 2 of the original value.
  public static func rowWise(_ table: [Float], rows: Int, width: Int, bits: Int, name: String = "table") throws -> [UInt8] {
    guard bits == 8 || bits == 4 else { throw ModelWriterError("\(name): row-wise quantization takes 8 or 4 bits, not \(bits)") }
    guard table.count == rows * width else {
      throw ModelWriterError("\(name): \(table.count) values, expected \(rows) × \(width)")
    }
    let type: ElementType = bits == 8 ? .uint8 : .uint4
    let stride = RowWiseLayout.rowBytes(type: type, width: width)
    var out = [UInt8](repeating: 0, count: rows * stride)
    for r in 0..<rows {
      let row = table[(r * width)..<((r + 1) * width)]
      if let column = row.firstIndex(where: { !$0.isFinite }) {
        throw ModelWriterError("\(name): row \(r), column \(column - r * width) is \(row[column]), which cannot be quantized")
      }
      let (scale, bias) = try bits == 8 ? uint8Parameters(row, name: name, row: r) : uint4Parameters(row, name: name, row: r)
      let levels = Double((1 << bits) - 1)
      let base = r * stride
      for (j, value) in row.enumerated() {
        let step = scale > 0 ? ((Double(value) - Double(bias)) / Double(scale)).rounded() : 0
        let code = UInt8(min(levels, max(0, step)))
        if bits == 8 {
          out[base + j] = code
        } else {
          out[base + j / 2] |= j % 2 == 0 ? code : code << 4
        }
      }
      let parameters = base + type.byteCount(elements: width)
      let tail = bits == 8
        ? Encoding.bytes([scale.bitPattern, bias.bitPattern])
        : Encoding.bytes([Float16(scale).bitPattern, Float16(bias).bitPattern])
      for (i, byte) in tail.enumerated() { out[parameters + i] = byte }
    }
    return out
  }

  /// float32 scale and bias of a uint8 row: bias = min, scale = range / 255 (1 for a constant
  /// row, whose values are then exactly the bias). The range is computed in double precision;
  /// a row spanning more than float32's largest value (whose decoded values would overflow) is
  /// an error.
  private static func uint8Parameters(_ row: ArraySlice<Float>, name: String, row r: Int) throws -> (Float, Float) {
    let low = row.min() ?? 0
    let high = row.max() ?? 0
    let range = Double(high) - Double(low)
    guard range <= Double(Float.greatestFiniteMagnitude) else {
      throw ModelWriterError("\(name): row \(r) spans \(range), more than float32 holds")
    }
    return (range > 0 ? Float(range / 255) : 1, low)
  }

  /// float16 scale and bias of a uint4 row, chosen on the values float16 can store: the bias is
  /// the row's minimum rounded down and the scale the step rounded up, so bias + 15 × scale
  /// reaches the maximum and no value is clamped.
  private static func uint4Parameters(_ row: ArraySlice<Float>, name: String, row r: Int) throws -> (Float, Float) {
    let low = row.min() ?? 0
    let high = row.max() ?? 0
    let limit = Float(Float16.greatestFiniteMagnitude)
    guard low >= -limit && high <= limit else {
      throw ModelWriterError("\(name): row \(r) holds values beyond float16's ±\(limit): use int8 rows for this table")
    }
    var bias = Float16(low)
    if Float(bias) > low { bias = bias.nextDown }
    let step = (Double(high) - Double(Float(bias))) / 15
    guard step <= Double(limit) else {
      throw ModelWriterError("\(name): row \(r) spans \(Double(high) - Double(low)), more than 15 float16 steps reach: use int8 rows for this table")
    }
    var scale = Float16(Float(step))
    if Double(Float(scale)) < step { scale = scale.nextUp }
    return (Float(scale), Float(bias))
  }

  /// Symmetric int8 codes per output row of a [outputs, inputs] weight:
  /// scale[o] = max|w[o]| / 127 (1 for an all-zero row), code = round(w / scale).
  public static func perChannelInt8(_ weight: [Float], outputs: Int, inputs: Int, name: String = "weight") throws
    -> (bytes: [UInt8], scales: [Float])
  {
    guard weight.count == outputs * inputs else {
      throw ModelWriterError("\(name): \(weight.count) values, expected \(outputs) × \(inputs)")
    }
    if let i = weight.firstIndex(where: { !$0.isFinite }) {
      throw ModelWriterError("\(name): weight [\(i / max(1, inputs)), \(i % max(1, inputs))] is \(weight[i]), which cannot be quantized")
    }
    var bytes = [UInt8](repeating: 0, count: weight.count)
    var scales = [Float](repeating: 1, count: outputs)
    for o in 0..<outputs {
      let row = weight[(o * inputs)..<((o + 1) * inputs)]
      let largest = row.map(abs).max() ?? 0
      let scale: Float = largest > 0 ? largest / 127 : 1
      scales[o] = scale
      for (i, value) in row.enumerated() {
        let code = Int8(min(127, max(-127, (value / scale).rounded())))
        bytes[o * inputs + i] = UInt8(bitPattern: code)
      }
    }
    return (bytes, scales)
  }

  /// CSR form of a [rows, columns] matrix: the nonzeros in row order.
  public static func csr(_ matrix: [Float], rows: Int, columns: Int) -> (rowOffsets: [Int32], columns: [Int32], values: [Float]) {
    var offsets: [Int32] = [0]
    var indices: [Int32] = []
    var values: [Float] = []
    for r in 0..<rows {
      for c in 0..<columns where matrix[r * columns + c] != 0 {
        indices.append(Int32(c))
        values.append(matrix[r * columns + c])
      }
      offsets.append(Int32(indices.count))
    }
    return (offsets, indices, values)
  }
}
