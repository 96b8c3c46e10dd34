/// Dense linear-algebra kernels on row-major `Float` buffers. Every matrix product in training
/// and evaluation goes through `matmul`, written as register-tiled outer-product loops (up to 6
/// rows x 16 columns of C in SIMD registers, over B packed into panels: PackedMatmul.swift),
/// which vectorize without reassociating any sum: each C element is accumulated over k in order
/// (with the same `multiplyAdd` on every path), so results do not depend on tiling, packing or
/// threads.
enum Kernels {
  @inline(__always)
  static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }

  @inline(__always)
  static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
  }

  /// s + x·b: one fused instruction in builds for CPUs with FMA (RECLITE_FMA, which the release
  /// build sets with the target CPU), a multiply and an add otherwise. Every path of `matmul`
  /// uses it, so an element's value does not depend on which path computed it.
  @inline(__always)
  static func multiplyAdd(_ s: SIMD8<Float>, _ x: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    #if RECLITE_FMA
      return s.addingProduct(x, b)
    #else
      return s + x * b
    #endif
  }

  @inline(__always)
  static func multiplyAdd(_ s: Float, _ x: Float, _ b: Float) -> Float {
    #if RECLITE_FMA
      return s.addingProduct(x, b)
    #else
      return s + x * b
    #endif
  }

  /// C[m×n] = (accumulate ? C : 0) + A[m×k] · B[k×n], with leading dimensions lda, ldb, ldc.
  /// With enough rows to pay for the copy, B is packed into panels first (`PackedMatrix`) and
  /// rows of C are split across threads when the product is large; the result is the same bits
  /// either way.
  static func matmul(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, lda: Int,
    _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, parallel: Bool = true
  ) {
    if m >= 6 && k > 0 {
      let packed = PackedMatrix(k: k, n: n, b, ldb: ldb)
      matmul(m: m, a, lda: lda, packed, c, ldc: ldc, accumulate: accumulate, parallel: parallel)
    } else {
      matmulSerial(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc, accumulate: accumulate)
    }
  }

  /// The serial product. Blocks of 4 rows × 16 columns of C live in 8 SIMD8 accumulators (enough
  /// independent add chains to hide the add latency without spilling), then 4 × 8, then single rows of 16 / 8 and
  /// scalar tails. Every path computes each C element the same way — start from C (or 0), add
  /// A[i][p]·B[p][j] for p = 0, 1, … in order, with `multiplyAdd` — so the result does
  /// not depend on which path or thread computed an element.
  static func matmulSerial(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, lda: Int,
    _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool
  ) {
    let n16 = n & ~15
    let n8 = n & ~7
    var i = 0
    while i + 4 <= m {
      let a0 = a + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
      let c0 = c + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc
      var j = 0
      while j < n16 {
        var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s10 = SIMD8<Float>(), s11 = SIMD8<Float>()
        var s20 = SIMD8<Float>(), s21 = SIMD8<Float>(), s30 = SIMD8<Float>(), s31 = SIMD8<Float>()
        if accumulate {
          s00 = load8(c0 + j); s01 = load8(c0 + j + 8); s10 = load8(c1 + j); s11 = load8(c1 + j + 8)
          s20 = load8(c2 + j); s21 = load8(c2 + j + 8); s30 = load8(c3 + j); s31 = load8(c3 + j + 8)
        }
        var bp = b + j
        for p in 0..<k {
          let b0 = load8(bp), b1 = load8(bp + 8)
          var x = SIMD8(repeating: a0[p])
          s00 = multiplyAdd(s00, x, b0); s01 = multiplyAdd(s01, x, b1)
          x = SIMD8(repeating: a1[p])
          s10 = multiplyAdd(s10, x, b0); s11 = multiplyAdd(s11, x, b1)
          x = SIMD8(repeating: a2[p])
          s20 = multiplyAdd(s20, x, b0); s21 = multiplyAdd(s21, x, b1)
          x = SIMD8(repeating: a3[p])
          s30 = multiplyAdd(s30, x, b0); s31 = multiplyAdd(s31, x, b1)
          bp += ldb
        }
        store8(s00, c0 + j); store8(s01, c0 + j + 8); store8(s10, c1 + j); store8(s11, c1 + j + 8)
        store8(s20, c2 + j); store8(s21, c2 + j + 8); store8(s30, c3 + j); store8(s31, c3 + j + 8)
        j += 16
      }
      if j < n8 {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        if accumulate {
          s0 = load8(c0 + j); s1 = load8(c1 + j); s2 = load8(c2 + j); s3 = load8(c3 + j)
        }
        var bp = b + j
        for p in 0..<k {
          let bv = load8(bp)
          s0 = multiplyAdd(s0, SIMD8(repeating: a0[p]), bv)
          s1 = multiplyAdd(s1, SIMD8(repeating: a1[p]), bv)
          s2 = multiplyAdd(s2, SIMD8(repeating: a2[p]), bv)
          s3 = multiplyAdd(s3, SIMD8(repeating: a3[p]), bv)
          bp += ldb
        }
        store8(s0, c0 + j); store8(s1, c1 + j); store8(s2, c2 + j); store8(s3, c3 + j)
        j += 8
      }
      if n8 < n {
        for r in 0..<4 { tailColumns(row: i + r, from: n8, n: n, k: k, a, lda, b, ldb, c, ldc, accumulate) }
      }
      i += 4
    }
    while i < m {
      let ai = a + i * lda, ci = c + i * ldc
      var j = 0
      while j < n16 {
        var s0 = accumulate ? load8(ci + j) : SIMD8<Float>()
        var s1 = accumulate ? load8(ci + j + 8) : SIMD8<Float>()
        var bp = b + j
        for p in 0..<k {
          let x = SIMD8(repeating: ai[p])
          s0 = multiplyAdd(s0, x, load8(bp))
          s1 = multiplyAdd(s1, x, load8(bp + 8))
          bp += ldb
        }
        store8(s0, ci + j); store8(s1, ci + j + 8)
        j += 16
      }
      while j < n8 {
        var s = accumulate ? load8(ci + j) : SIMD8<Float>()
        var bp = b + j
        for p in 0..<k {
          s = multiplyAdd(s, SIMD8(repeating: ai[p]), load8(bp))
          bp += ldb
        }
        store8(s, ci + j)
        j += 8
      }
      tailColumns(row: i, from: n8, n: n, k: k, a, lda, b, ldb, c, ldc, accumulate)
      i += 1
    }
  }

  @inline(__always)
  private static func tailColumns(
    row: Int, from: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
    _ accumulate: Bool
  ) {
    guard from < n else { return }
    let ai = a + row * lda, ci = c + row * ldc
    for j in from..<n {
      var s: Float = accumulate ? ci[j] : 0
      for p in 0..<k { s = multiplyAdd(s, ai[p], b[p * ldb + j]) }
      ci[j] = s
    }
  }

  /// out[cols×rows] = transpose of x[rows×cols].
  static func transpose(_ x: UnsafePointer<Float>, rows: Int, cols: Int, _ out: UnsafeMutablePointer<Float>) {
    let block = 16
    var r0 = 0
    while r0 < rows {
      let r1 = min(rows, r0 + block)
      var c0 = 0
      while c0 < cols {
        let c1 = min(cols, c0 + block)
        for r in r0..<r1 {
          for c in c0..<c1 { out[c * rows + r] = x[r * cols + c] }
        }
        c0 = c1
      }
      r0 = r1
    }
  }

  @inline(__always)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s: Float = 0
    for i in 0..<n { s += a[i] * b[i] }
    return s
  }
}
