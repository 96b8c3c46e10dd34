// Optimized kernels: SIMD and register blocking for the dense layer, the one
// op whose cost grows with inputs × outputs × candidates. Held to
// ReferenceKernels by the kernel tests (float tolerance: the summation order
// differs).

public enum OptimizedKernels {
  /// Rows processed together so each weight row is loaded once per block.
  static let rowBlock = 4

  /// out[r][o] = bias[o] + Σ_i x[r][i] · W[o][i] for float32 weights, or
  /// bias[o] + scale[o] · Σ_i x[r][i] · (q[o][i] − zeroPoint[o]) for int8.
  /// Dense (not CSR) weights only.
  public static func dense(
    x: MatrixView, weight: WeightView, bias: UnsafePointer<Float>?, rows: Int, out: MatrixView
  ) {
    let inputs = weight.inputs
    var r = 0
    while r < rows {
      let block = min(rowBlock, rows - r)
      let x0 = UnsafeRawPointer(x.row(r))
      let x1 = UnsafeRawPointer(x.row(r + min(1, block - 1)))
      let x2 = UnsafeRawPointer(x.row(r + min(2, block - 1)))
      let x3 = UnsafeRawPointer(x.row(r + min(3, block - 1)))
      for o in 0..<weight.outputs {
        var sums: SIMD4<Float>
        var scale: Float = 1
        var offset: Float = 0
        switch weight.encoding {
        case .int8:
          let rowStart = weight.data + o * inputs
          sums = dotInt8(rowStart, x0, x1, x2, x3, count: inputs)
          let q = weight.quantization(row: o)
          scale = q.scale
          if q.zeroPoint != 0 {
            // Σ x·(q − z) = Σ x·q − z·Σ x
            offset = -q.zeroPoint
          }
        default:
          sums = dotFloat32(weight.data + o * inputs * 4, x0, x1, x2, x3, count: inputs)
        }
        if offset != 0 {
          sums += offset * rowSums(x0, x1, x2, x3, count: inputs)
        }
        let b = bias?[o] ?? 0
        out.row(r)[o] = scale * sums[0] + b
        if block > 1 { out.row(r + 1)[o] = scale * sums[1] + b }
        if block > 2 { out.row(r + 2)[o] = scale * sums[2] + b }
        if block > 3 { out.row(r + 3)[o] = scale * sums[3] + b }
      }
      r += block
    }
  }

  /// Four dot products of one float32 weight row with four input rows.
  @inline(__always)
  static func dotFloat32(
    _ w: UnsafeRawPointer, _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer,
    _ x3: UnsafeRawPointer, count: Int
  ) -> SIMD4<Float> {
    dot4(w, x0, x1, x2, x3, count: count, weights8: { w.loadUnaligned(fromByteOffset: $0 * 4, as: SIMD8<Float>.self) },
         weight: { w.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) })
  }

  /// Four dot products of one int8 weight row (raw codes) with four input rows.
  @inline(__always)
  static func dotInt8(
    _ w: UnsafeRawPointer, _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer,
    _ x3: UnsafeRawPointer, count: Int
  ) -> SIMD4<Float> {
    dot4(w, x0, x1, x2, x3, count: count,
         weights8: { SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.loadUnaligned(fromByteOffset: $0, as: SIMD8<Int8>.self))) },
         weight: { Float(w.loadUnaligned(fromByteOffset: $0, as: Int8.self)) })
  }

  /// Four dot products of a weight row, read as floats by `weights8` (8 at
  /// element i) and `weight` (one at element i), with four float32 input rows.
  @inline(__always)
  static func dot4(
    _ w: UnsafeRawPointer, _ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer, _ x2: UnsafeRawPointer,
    _ x3: UnsafeRawPointer, count: Int, weights8: (Int) -> SIMD8<Float>, weight: (Int) -> Float
  ) -> SIMD4<Float> {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
      let wv = weights8(i)
      let offset = i * 4
      a0 += wv * x0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a1 += wv * x1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a2 += wv * x2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      a3 += wv * x3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      i += 8
    }
    var sums = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    while i < count {
      sums += weight(i) * column(x0, x1, x2, x3, i)
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
