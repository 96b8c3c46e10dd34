// Optimized kernels: SIMD and register blocking for the dense layer, the one
// op whose cost grows with inputs × outputs × candidates. Held to
// ReferenceKernels by the kernel tests (float tolerance: the summation order
// differs).

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
    case .int8:
      dense(x: x, weight: weight, bias: bias, rows: rows, out: out, rowBytes: weight.inputs,
            load8: { SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: $0.loadUnaligned(fromByteOffset: $1, as: SIMD8<Int8>.self))) },
            load1: { Float($0.loadUnaligned(fromByteOffset: $1, as: Int8.self)) })
    default:
      dense(x: x, weight: weight, bias: bias, rows: rows, out: out, rowBytes: weight.inputs * 4,
            load8: { $0.loadUnaligned(fromByteOffset: $1 * 4, as: SIMD8<Float>.self) },
            load1: { $0.loadUnaligned(fromByteOffset: $1 * 4, as: Float.self) })
    }
  }

  /// The tiled loop for one weight encoding: `load8(row, i)` reads weights
  /// i..<i+8 of a weight row as floats, `load1(row, i)` one weight.
  @inline(__always)
  static func dense(
    x: MatrixView, weight: WeightView, bias: UnsafePointer<Float>?, rows: Int, out: MatrixView, rowBytes: Int,
    load8: (UnsafeRawPointer, Int) -> SIMD8<Float>, load1: (UnsafeRawPointer, Int) -> Float
  ) {
    let inputs = weight.inputs
    var r = 0
    while r < rows {
      let block = min(rowBlock, rows - r)
      let x0 = UnsafeRawPointer(x.row(r))
      let x1 = UnsafeRawPointer(x.row(r + min(1, block - 1)))
      let x2 = UnsafeRawPointer(x.row(r + min(2, block - 1)))
      let x3 = UnsafeRawPointer(x.row(r + min(3, block - 1)))
      let zeroPoints = weight.zeroPoints == nil ? nil : rowSums(x0, x1, x2, x3, count: inputs)
      /// Writes output o of the block's rows from its four raw dot products.
      func store(_ o: Int, _ sums: SIMD4<Float>) {
        let q = weight.quantization(row: o)
        var value = sums
        if let zeroPoints, q.zeroPoint != 0 { value -= q.zeroPoint * zeroPoints }  // Σ x·(q − z) = Σ x·q − z·Σ x
        value = value * q.scale + (bias?[o] ?? 0)
        for k in 0..<block { out.row(r + k)[o] = value[k] }
      }
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
          let p = load8(w0, i)
          a0 += p * v0; a1 += p * v1; a2 += p * v2; a3 += p * v3
          let q = load8(w1, i)
          b0 += q * v0; b1 += q * v1; b2 += q * v2; b3 += q * v3
          i += 8
        }
        var s0 = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        var s1 = SIMD4<Float>(b0.sum(), b1.sum(), b2.sum(), b3.sum())
        while i < inputs {
          let v = column(x0, x1, x2, x3, i)
          s0 += load1(w0, i) * v
          s1 += load1(w1, i) * v
          i += 1
        }
        store(o, s0)
        store(o + 1, s1)
        o += 2
      }
      if o < weight.outputs {
        store(o, dot4(weight.data + o * rowBytes, x0, x1, x2, x3, count: inputs, weights8: load8, weight: load1))
      }
      r += block
    }
  }

  /// Four dot products of a weight row, read as floats by `weights8` (8 at
  /// element i) and `weight` (one at element i), with four float32 input rows.
  @inline(__always)
  static func dot4(
    _ w: UnsafeRawPointer, _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer,
    _ x3: UnsafeRawPointer, count: Int, weights8: (UnsafeRawPointer, Int) -> SIMD8<Float>,
    weight: (UnsafeRawPointer, Int) -> Float
  ) -> SIMD4<Float> {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
      let wv = weights8(w, i)
      let offset = i * 4
      a0 += wv * x0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a1 += wv * x1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a2 += wv * x2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a3 += wv * x3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      i += 8
    }
    var sums = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    while i < count {
      sums += weight(w, i) * column(x0, x1, x2, x3, i)
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
