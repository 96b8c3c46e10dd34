// Encodings of trained weights for the .rlm file: float16, row-wise
// uint8/uint4 embedding rows (FBGEMM-style fused scale and bias), per-channel
// symmetric int8 dense weights, and CSR for pruned dense weights.

import RecLiteRuntime

public enum Quantize {
  /// float16 bytes of `values` (round to nearest even).
  public static func float16(_ values: [Float]) -> [UInt8] {
    Encoding.bytes(values.map(Half.fromFloat))
  }

  /// Row-wise quantized table bytes for `rows` rows of `width` values
  /// (row-major), with `bits` 8 (uint8 codes, float32 scale and bias) or
  /// 4 (uint4 codes, float16 scale and bias). real ≈ code × scale + bias.
  public static func rowWise(_ table: [Float], rows: Int, width: Int, bits: Int) -> [UInt8] {
    precondition(bits == 8 || bits == 4, "row-wise quantization takes 8 or 4 bits")
    precondition(table.count == rows * width, "table has \(table.count) values, expected \(rows * width)")
    let type: ElementType = bits == 8 ? .uint8 : .uint4
    let stride = RowWiseLayout.rowBytes(type: type, width: width)
    let levels = Float((1 << bits) - 1)
    var out = [UInt8](repeating: 0, count: rows * stride)
    for r in 0..<rows {
      let row = table[(r * width)..<((r + 1) * width)]
      let low = row.min() ?? 0
      let high = row.max() ?? 0
      var scale = high > low ? (high - low) / levels : 1
      var bias = low
      if bits == 4 {
        // Codes are computed against the float16 values the file stores.
        scale = Half.toFloat(Half.fromFloat(scale))
        bias = Half.toFloat(Half.fromFloat(bias))
        if scale == 0 { scale = 1 }
      }
      let base = r * stride
      for (j, value) in row.enumerated() {
        let code = UInt8(min(levels, max(0, ((value - bias) / scale).rounded())))
        if bits == 8 {
          out[base + j] = code
        } else {
          out[base + j / 2] |= j % 2 == 0 ? code : code << 4
        }
      }
      let parameters = base + type.byteCount(elements: width)
      let tail = bits == 8
        ? Encoding.bytes([scale.bitPattern, bias.bitPattern])
        : Encoding.bytes([Half.fromFloat(scale), Half.fromFloat(bias)])
      for (i, byte) in tail.enumerated() { out[parameters + i] = byte }
    }
    return out
  }

  /// Symmetric int8 codes per output row of a [outputs, inputs] weight:
  /// scale[o] = max|w[o]| / 127, code = round(w / scale).
  public static func perChannelInt8(_ weight: [Float], outputs: Int, inputs: Int) -> (bytes: [UInt8], scales: [Float]) {
    precondition(weight.count == outputs * inputs, "weight has \(weight.count) values, expected \(outputs * inputs)")
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
