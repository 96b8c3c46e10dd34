// Reference kernels: plain scalar loops, written to be obviously correct.
// Optimized kernels are tested against these. All sizes were checked when the
// model was opened; kernels only index within them.

public enum ReferenceKernels {
  // MARK: Embeddings

  /// Adds `weight` × logical row `row` of `table` to `out` (`width` values).
  @inline(__always)
  public static func accumulateRow(
    _ table: TableView, row: Int, weight: Float, into out: UnsafeMutablePointer<Float>
  ) {
    guard let (data, encoding) = table.locate(row) else { return }  // pruned rows are zeros
    switch encoding {
    case .float32:
      for j in 0..<table.width {
        out[j] += weight * data.load(fromByteOffset: j * 4, as: Float.self)
      }
    case .float16:
      for j in 0..<table.width {
        out[j] += weight * Half.toFloat(data.load(fromByteOffset: j * 2, as: UInt16.self))
      }
    case .rowWiseUInt8:
      let (scale, bias) = RowWise.parameters(data, at: table.width, type: .uint8)
      for j in 0..<table.width {
        let code = Float(data.load(fromByteOffset: j, as: UInt8.self))
        out[j] += weight * (code * scale + bias)
      }
    case .rowWiseUInt4:
      let (scale, bias) = RowWise.parameters(data, at: (table.width + 1) / 2, type: .uint4)
      for j in 0..<table.width {
        let byte = data.load(fromByteOffset: j / 2, as: UInt8.self)
        let code = Float(j % 2 == 0 ? byte & 0x0F : byte >> 4)
        out[j] += weight * (code * scale + bias)
      }
    }
  }

  /// out[i] = table[ids[i]].
  public static func embeddingLookup(
    _ table: TableView, ids: UnsafePointer<Int32>, count: Int, out: MatrixView
  ) {
    for i in 0..<count {
      let row = out.row(i)
      row.update(repeating: 0, count: table.width)
      accumulateRow(table, row: Int(ids[i]), weight: 1, into: row)
    }
  }

  /// out[i] = sum or mean of table[values[offsets[ids[i]] ..< offsets[ids[i] + 1]]].
  public static func embeddingBag(
    _ table: TableView, ids: UnsafePointer<Int32>, count: Int,
    offsets: UnsafePointer<Int32>, values: UnsafePointer<Int32>, mode: BagMode, out: MatrixView
  ) {
    for i in 0..<count {
      let row = out.row(i)
      row.update(repeating: 0, count: table.width)
      let id = Int(ids[i])
      let start = Int(offsets[id])
      let end = Int(offsets[id + 1])
      guard end > start else { continue }
      let weight: Float = mode == .mean ? 1 / Float(end - start) : 1
      for k in start..<end {
        accumulateRow(table, row: Int(values[k]), weight: weight, into: row)
      }
    }
  }

  // MARK: Dense

  /// out[r][o] = bias[o] + Σ_i x[r][i] · W[o][i], for dense or CSR weights.
  public static func dense(
    x: MatrixView, weight: WeightView, bias: UnsafePointer<Float>?, rows: Int, out: MatrixView
  ) {
    for r in 0..<rows {
      let input = x.row(r)
      let output = out.row(r)
      for o in 0..<weight.outputs {
        var sum: Float = 0
        if let rowOffsets = weight.rowOffsets, let columns = weight.columns {
          for k in Int(rowOffsets[o])..<Int(rowOffsets[o + 1]) {
            sum += input[Int(columns[k])] * weight.value(at: k, row: o)
          }
        } else {
          for i in 0..<weight.inputs {
            sum += input[i] * weight.value(at: o * weight.inputs + i, row: o)
          }
        }
        output[o] = sum + (bias?[o] ?? 0)
      }
    }
  }

  // MARK: Elementwise and reductions

  /// out[r] = x[r] (`x.width` values; `out` may be a column range of a wider matrix).
  public static func copy(_ x: MatrixView, rows: Int, out: MatrixView) {
    for r in 0..<rows {
      let (source, target) = (x.row(r), out.row(r))
      for j in 0..<x.width { target[j] = source[j] }
    }
  }

  public static func add(_ a: MatrixView, _ b: MatrixView, rows: Int, out: MatrixView) {
    for r in 0..<rows {
      let (x, y, z) = (a.row(r), b.row(r), out.row(r))
      for j in 0..<out.width { z[j] = x[j] + y[j] }
    }
  }

  public static func mul(_ a: MatrixView, _ b: MatrixView, rows: Int, out: MatrixView) {
    for r in 0..<rows {
      let (x, y, z) = (a.row(r), b.row(r), out.row(r))
      for j in 0..<out.width { z[j] = x[j] * y[j] }
    }
  }

  /// out[r] = Σ_j a[r][j] · b[r][j].
  public static func dot(_ a: MatrixView, _ b: MatrixView, rows: Int, out: MatrixView) {
    for r in 0..<rows {
      let (x, y) = (a.row(r), b.row(r))
      var sum: Float = 0
      for j in 0..<a.width { sum += x[j] * y[j] }
      out.row(r)[0] = sum
    }
  }

  /// Factorization-machine pairwise term over `fieldCount` fields:
  /// out[r] = ½ Σ_j ((Σ_f v_f[j])² − Σ_f v_f[j]²).
  public static func fmInteraction(
    fieldCount: Int, field: (Int) -> MatrixView, rows: Int, out: MatrixView
  ) {
    guard fieldCount > 0 else { return }
    let width = field(0).width
    for r in 0..<rows {
      var total: Float = 0
      for j in 0..<width {
        var sum: Float = 0
        var squares: Float = 0
        for f in 0..<fieldCount {
          let v = field(f).row(r)[j]
          sum += v
          squares += v * v
        }
        total += sum * sum - squares
      }
      out.row(r)[0] = 0.5 * total
    }
  }

  /// Applies an activation to `rows` × width values in place.
  public static func activate(_ activation: Activation, rows: Int, out: MatrixView) {
    switch activation {
    case .none:
      return
    case .relu:
      for r in 0..<rows {
        let z = out.row(r)
        for j in 0..<out.width where !(z[j] > 0) { z[j] = 0 }
      }
    case .sigmoid:
      for r in 0..<rows {
        let z = out.row(r)
        for j in 0..<out.width { z[j] = sigmoid(z[j]) }
      }
    }
  }

  /// Logistic function without overflow for large |x|.
  @inline(__always)
  public static func sigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Math.exp(-x)) }
    let e = Math.exp(x)
    return e / (1 + e)
  }
}
