// Optimized kernels: SIMD and register blocking for the dense layer, the one
// op whose cost grows with inputs × outputs × candidates. Held to
// ReferenceKernels by the kernel tests (float tolerance: the summation order
// differs).

/// How one weight encoding reads weights of a row as floats.
protocol WeightRow {
  static var bytesPerWeight: Int { get }
  /// Weights i ..< i + 8 of the row at `row`.
  static func load8(_ row: UnsafeRawPointer, _ i: Int) -> SIMD8<Float>
  /// Weight i of the row at `row`.
  static func load1(_ row: UnsafeRawPointer, _ i: Int) -> Float
}

enum Float32Weights: WeightRow {
  static var bytesPerWeight: Int { 4 }
  @inline(__always)
  static func load8(_ row: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> { row.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) }
  @inline(__always)
  static func load1(_ row: UnsafeRawPointer, _ i: Int) -> Float { row.loadUnaligned(fromByteOffset: i * 4, as: Float.self) }
}

/// Raw int8 codes; the scale and zero point are applied to the finished sums.
enum Int8Weights: WeightRow {
  static var bytesPerWeight: Int { 1 }
  @inline(__always)
  static func load8(_ row: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
    SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self)))
  }
  @inline(__always)
  static func load1(_ row: UnsafeRawPointer, _ i: Int) -> Float { Float(row.loadUnaligned(fromByteOffset: i, as: Int8.self)) }
}

public enum OptimizedKernels {
  /// Rows processed together so each weight row is loaded once per block.
  static let rowBlock = 4

  /// out[r][o] = bias[o] + Σ_i x[r][i] · W[o][i] for float32 weights, or
  /// bias[o] + scale[o] · Σ_i x[r][i] · (q[o][i] − zeroPoint[o]) for int8.
  /// Dense (not CSR) weights only. Tiles of 4 rows × 2 outputs: each loaded
  /// weight vector serves four rows and each input vector two outputs.
  public static func dense(
    x: MatrixView, weight: WeightView, bias: UnsafePointer<Float>?, rows: Int, out: MatrixView
  ) {
    switch weight.encoding {
    case .int8: denseTiled(Int8Weights.self, x: x, weight: weight, bias: bias, rows: rows, out: out)
    default: denseTiled(Float32Weights.self, x: x, weight: weight, bias: bias, rows: rows, out: out)
    }
  }

  /// The tiled loop for one weight encoding (a generic parameter, so each
  /// encoding gets its own specialized loop with inlined loads).
  static func denseTiled<W: WeightRow>(
    _: W.Type, x: MatrixView, weight: WeightView, bias: UnsafePointer<Float>?, rows: Int, out: MatrixView
  ) {
    let inputs = weight.inputs
    let rowBytes = inputs * W.bytesPerWeight
    var r = 0
    while r < rows {
      let block = min(rowBlock, rows - r)
      let x0 = UnsafeRawPointer(x.row(r))
      let x1 = UnsafeRawPointer(x.row(r + min(1, block - 1)))
      let x2 = UnsafeRawPointer(x.row(r + min(2, block - 1)))
      let x3 = UnsafeRawPointer(x.row(r + min(3, block - 1)))
      let zeroPoints = weight.zeroPoints == nil ? nil : rowSums(x0, x1, x2, x3, count: inputs)
      var o = 0
      while o + 2 <= weight.outputs {
        let w0 = weight.data + o * rowBytes
        let w1 = w0 + rowBytes
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
        var i = 0
        while i + 8 <= inputs {
          let offset = i * 4
          let v0 = x0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
          let v1 = x1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
          let v2 = x2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
          let v3 = x3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
          let p = W.load8(w0, i)
          a0 += p * v0
          a1 += p * v1
          a2 += p * v2
          a3 += p * v3
          let q = W.load8(w1, i)
          b0 += q * v0
          b1 += q * v1
          b2 += q * v2
          b3 += q * v3
          i += 8
        }
        var s0 = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        var s1 = SIMD4<Float>(b0.sum(), b1.sum(), b2.sum(), b3.sum())
        while i < inputs {
          let v = column(x0, x1, x2, x3, i)
          s0 += W.load1(w0, i) * v
          s1 += W.load1(w1, i) * v
          i += 1
        }
        store(s0, output: o, row: r, block: block, weight: weight, zeroPoints: zeroPoints, bias: bias, out: out)
        store(s1, output: o + 1, row: r, block: block, weight: weight, zeroPoints: zeroPoints, bias: bias, out: out)
        o += 2
      }
      if o < weight.outputs {
        let sums = dot4(W.self, weight.data + o * rowBytes, x0, x1, x2, x3, count: inputs)
        store(sums, output: o, row: r, block: block, weight: weight, zeroPoints: zeroPoints, bias: bias, out: out)
      }
      r += block
    }
  }

  /// Writes output `o` of a block of rows from its four raw dot products:
  /// dequantization (Σ x·(q − z) = Σ x·q − z·Σ x, times the scale) and bias.
  @inline(__always)
  static func store(
    _ sums: SIMD4<Float>, output o: Int, row r: Int, block: Int, weight: WeightView, zeroPoints: SIMD4<Float>?,
    bias: UnsafePointer<Float>?, out: MatrixView
  ) {
    let q = weight.quantization(row: o)
    var value = sums
    if let zeroPoints, q.zeroPoint != 0 { value -= q.zeroPoint * zeroPoints }
    value = value * q.scale + (bias?[o] ?? 0)
    for k in 0..<block { out.row(r + k)[o] = value[k] }
  }

  /// Four dot products of one weight row with four float32 input rows.
  @inline(__always)
  static func dot4<W: WeightRow>(
    _: W.Type, _ w: UnsafeRawPointer, _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer,
    _ x3: UnsafeRawPointer, count: Int
  ) -> SIMD4<Float> {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
      let wv = W.load8(w, i)
      let offset = i * 4
      a0 += wv * x0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a1 += wv * x1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a2 += wv * x2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a3 += wv * x3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      i += 8
    }
    var sums = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    while i < count {
      sums += W.load1(w, i) * column(x0, x1, x2, x3, i)
      i += 1
    }
    return sums
  }

  /// Element i of four input rows.
  @inline(__always)
  static func column(
    _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer, _ x3: UnsafeRawPointer, _ i: Int
  ) -> SIMD4<Float> {
    let offset = i * 4
    return SIMD4<Float>(
      x0.loadUnaligned(fromByteOffset: offset, as: Float.self), x1.loadUnaligned(fromByteOffset: offset, as: Float.self),
      x2.loadUnaligned(fromByteOffset: offset, as: Float.self), x3.loadUnaligned(fromByteOffset: offset, as: Float.self))
  }

  /// Σ_i x[i] of four input rows (for int8 zero points).
  @inline(__always)
  static func rowSums(
    _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer, _ x3: UnsafeRawPointer, count: Int
  ) -> SIMD4<Float> {
    var sums = SIMD4<Float>()
    for i in 0..<count { sums += column(x0, x1, x2, x3, i) }
    return sums
  }
}

extension OptimizedKernels {
  /// The FM pairwise term as Σ_{f<g} ⟨v_f, v_g⟩ (equal to ½ Σ((Σ v)² − Σ v²)):
  /// one SIMD dot product per pair of fields and row, no per-element field lookups.
  public static func fmInteraction(fieldCount: Int, field: (Int) -> MatrixView, rows: Int, out: MatrixView) {
    for r in 0..<rows { out.row(r)[0] = 0 }
    guard fieldCount > 1 else { return }
    for f in 0..<(fieldCount - 1) {
      let a = field(f)
      for g in (f + 1)..<fieldCount {
        let b = field(g)
        for r in 0..<rows { out.row(r)[0] += dot(a.row(r), b.row(r), count: a.width) }
      }
    }
  }

  @inline(__always)
  static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Float {
    let x = UnsafeRawPointer(a)
    let y = UnsafeRawPointer(b)
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
      acc += x.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * y.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
      i += 8
    }
    var sum = acc.sum()
    while i < count {
      sum += a[i] * b[i]
      i += 1
    }
    return sum
  }

  /// ReLU over contiguous values; NaN becomes 0 like the reference.
  public static func relu(_ values: UnsafeMutablePointer<Float>, count: Int) {
    let raw = UnsafeMutableRawPointer(values)
    let zero = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count {
      let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
      raw.storeBytes(of: v.replacing(with: zero, where: .!(v .> zero)), toByteOffset: i * 4, as: SIMD8<Float>.self)
      i += 8
    }
    while i < count {
      if !(values[i] > 0) { values[i] = 0 }
      i += 1
    }
  }
}
