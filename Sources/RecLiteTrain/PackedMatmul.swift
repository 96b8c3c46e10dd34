/// The right-hand matrix of a product, copied into column panels so the micro-kernel reads it
/// sequentially. Row-major B with a leading dimension of 64–256 floats puts every row of a
/// 16-column strip on one of a handful of L1 sets (strides of 1 KB alias), so the unpacked kernel
/// streams B from L2 with conflict misses; packed, a strip is one contiguous run of k × 16 floats.
///
/// Layout for B[k×n]: `n / 16` panels of k rows × 16 floats, then (if 8 ≤ n mod 16) one panel of
/// k × 8, then the last n mod 8 columns as k rows × (n mod 8). Packing only copies: the product
/// over packed B sums each element in the same order as the plain triple loop, bit for bit.
struct PackedMatrix: @unchecked Sendable {
  let k: Int
  let n: Int
  private let storage: Storage

  /// Owns the panel memory (a class so copies of the struct share one buffer).
  private final class Storage {
    let pointer: UnsafeMutablePointer<Float>
    init(count: Int) { pointer = .allocate(capacity: max(1, count)) }
    deinit { pointer.deallocate() }
  }

  var panels: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

  /// Packs B[k×n] (leading dimension ldb); with `transposed`, packs the transpose of the
  /// row-major [n×k] matrix at `b` (leading dimension ldb), so B[p][j] = b[j·ldb + p] — a
  /// dense layer's `[out][in]` weight used as Wᵀ, without materialising the transpose.
  init(k: Int, n: Int, _ b: UnsafePointer<Float>, ldb: Int, transposed: Bool = false) {
    self.k = k
    self.n = n
    storage = Storage(count: k * n)
    let out = storage.pointer
    var offset = 0
    var j0 = 0
    while j0 < n {
      let width = n - j0 >= 16 ? 16 : (n - j0 >= 8 ? 8 : n - j0)
      if transposed {
        // Read each source row (one column of B) once; write it down the panel.
        for jj in 0..<width {
          let src = b + (j0 + jj) * ldb
          for p in 0..<k { out[offset + p * width + jj] = src[p] }
        }
      } else {
        for p in 0..<k {
          let src = b + p * ldb + j0, dst = out + offset + p * width
          for jj in 0..<width { dst[jj] = src[jj] }
        }
      }
      offset += k * width
      j0 += width
    }
  }

  init(k: Int, n: Int, _ b: [Float], ldb: Int, transposed: Bool = false) {
    precondition(k * n == 0 || b.count >= (transposed ? (n - 1) * ldb + k : (k - 1) * ldb + n), "B is smaller than its shape")
    // An empty B (k or n zero) is never read; any valid pointer will do.
    let source = b.isEmpty ? [0] : b
    self = source.withUnsafeBufferPointer { PackedMatrix(k: k, n: n, $0.baseAddress!, ldb: ldb, transposed: transposed) }
  }
}

extension Kernels {
  /// C[m×n] = (accumulate ? C : 0) + A[m×k] · B, B packed (`PackedMatrix`). Splits rows of C
  /// across threads when the product is large; every element is summed over p in order with
  /// `multiplyAdd`, so the result is the same bits for any split.
  static func matmul(
    m: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: PackedMatrix, _ c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, parallel: Bool = true
  ) {
    if parallel && m * b.n * b.k >= 1 << 20 && m >= 12 {
      let aBits = UInt(bitPattern: a), cBits = UInt(bitPattern: c)
      // Whole 6-row blocks per thread (the split does not change any element's value).
      let blocks = (m + 5) / 6
      parallelChunks(blocks, minimumChunk: 2) { range in
        let row0 = range.lowerBound * 6
        let row1 = min(m, range.upperBound * 6)
        guard let ap = UnsafePointer<Float>(bitPattern: aBits), let cp = UnsafeMutablePointer<Float>(bitPattern: cBits)
        else { return }
        matmulPackedSerial(m: row1 - row0, ap + row0 * lda, lda: lda, b, cp + row0 * ldc, ldc: ldc, accumulate: accumulate)
      }
    } else {
      matmulPackedSerial(m: m, a, lda: lda, b, c, ldc: ldc, accumulate: accumulate)
    }
  }

  /// The serial packed product: rows in blocks of 6 (12 SIMD8 accumulators for a 16-wide panel:
  /// enough independent FMA chains to cover the latency of both FMA pipes). The last m mod 6
  /// rows go through the same block, copied into a zero-padded one: a row's values do not
  /// depend on its neighbours, and one kernel serves every row.
  static func matmulPackedSerial(
    m: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: PackedMatrix, _ c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool
  ) {
    let n = b.n, k = b.k
    var i = 0
    while i + 6 <= m {
      rowBlock6(a + i * lda, lda, b, c + i * ldc, ldc, accumulate)
      i += 6
    }
    let rest = m - i
    guard rest > 0 else { return }
    let paddedA = UnsafeMutablePointer<Float>.allocate(capacity: max(1, 6 * k))
    let paddedC = UnsafeMutablePointer<Float>.allocate(capacity: max(1, 6 * n))
    defer {
      paddedA.deallocate()
      paddedC.deallocate()
    }
    paddedA.initialize(repeating: 0, count: max(1, 6 * k))
    paddedC.initialize(repeating: 0, count: max(1, 6 * n))
    for r in 0..<rest {
      (paddedA + r * k).update(from: a + (i + r) * lda, count: k)
      if accumulate { (paddedC + r * n).update(from: c + (i + r) * ldc, count: n) }
    }
    rowBlock6(paddedA, k, b, paddedC, n, accumulate)
    for r in 0..<rest { (c + (i + r) * ldc).update(from: paddedC + r * n, count: n) }
  }

  /// Six rows of C against every panel of B.
  @inline(__always)
  private static func rowBlock6(
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: PackedMatrix, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
    _ accumulate: Bool
  ) {
    let n = b.n, k = b.k
    let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
    let c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc
    var offset = 0, j = 0
    while j + 16 <= n {
      var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s10 = SIMD8<Float>(), s11 = SIMD8<Float>()
      var s20 = SIMD8<Float>(), s21 = SIMD8<Float>(), s30 = SIMD8<Float>(), s31 = SIMD8<Float>()
      var s40 = SIMD8<Float>(), s41 = SIMD8<Float>(), s50 = SIMD8<Float>(), s51 = SIMD8<Float>()
      if accumulate {
        s00 = load8(c0 + j); s01 = load8(c0 + j + 8); s10 = load8(c1 + j); s11 = load8(c1 + j + 8)
        s20 = load8(c2 + j); s21 = load8(c2 + j + 8); s30 = load8(c3 + j); s31 = load8(c3 + j + 8)
        s40 = load8(c4 + j); s41 = load8(c4 + j + 8); s50 = load8(c5 + j); s51 = load8(c5 + j + 8)
      }
      var bp = b.panels + offset
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
        x = SIMD8(repeating: a4[p])
        s40 = multiplyAdd(s40, x, b0); s41 = multiplyAdd(s41, x, b1)
        x = SIMD8(repeating: a5[p])
        s50 = multiplyAdd(s50, x, b0); s51 = multiplyAdd(s51, x, b1)
        bp += 16
      }
      store8(s00, c0 + j); store8(s01, c0 + j + 8); store8(s10, c1 + j); store8(s11, c1 + j + 8)
      store8(s20, c2 + j); store8(s21, c2 + j + 8); store8(s30, c3 + j); store8(s31, c3 + j + 8)
      store8(s40, c4 + j); store8(s41, c4 + j + 8); store8(s50, c5 + j); store8(s51, c5 + j + 8)
      offset += k * 16
      j += 16
    }
    if j + 8 <= n {
      var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>()
      var s3 = SIMD8<Float>(), s4 = SIMD8<Float>(), s5 = SIMD8<Float>()
      if accumulate {
        s0 = load8(c0 + j); s1 = load8(c1 + j); s2 = load8(c2 + j)
        s3 = load8(c3 + j); s4 = load8(c4 + j); s5 = load8(c5 + j)
      }
      var bp = b.panels + offset
      for p in 0..<k {
        let bv = load8(bp)
        s0 = multiplyAdd(s0, SIMD8(repeating: a0[p]), bv)
        s1 = multiplyAdd(s1, SIMD8(repeating: a1[p]), bv)
        s2 = multiplyAdd(s2, SIMD8(repeating: a2[p]), bv)
        s3 = multiplyAdd(s3, SIMD8(repeating: a3[p]), bv)
        s4 = multiplyAdd(s4, SIMD8(repeating: a4[p]), bv)
        s5 = multiplyAdd(s5, SIMD8(repeating: a5[p]), bv)
        bp += 8
      }
      store8(s0, c0 + j); store8(s1, c1 + j); store8(s2, c2 + j)
      store8(s3, c3 + j); store8(s4, c4 + j); store8(s5, c5 + j)
      offset += k * 8
      j += 8
    }
    if j < n { packedTail6(a, lda, panel: b.panels + offset, width: n - j, k: k, c + j, ldc, accumulate) }
  }

  /// The last n mod 8 columns of six rows, scalar: six independent multiply-add chains at a time
  /// instead of one, so a narrow product (a layer with one output) is not bound by FMA latency.
  @inline(__always)
  private static func packedTail6(
    _ a: UnsafePointer<Float>, _ lda: Int, panel: UnsafePointer<Float>, width: Int, k: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
  ) {
    let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
    for jj in 0..<width {
      var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0, s4: Float = 0, s5: Float = 0
      if accumulate {
        s0 = c[jj]; s1 = c[ldc + jj]; s2 = c[2 * ldc + jj]; s3 = c[3 * ldc + jj]; s4 = c[4 * ldc + jj]; s5 = c[5 * ldc + jj]
      }
      for p in 0..<k {
        let bv = panel[p * width + jj]
        s0 = multiplyAdd(s0, a0[p], bv); s1 = multiplyAdd(s1, a1[p], bv); s2 = multiplyAdd(s2, a2[p], bv)
        s3 = multiplyAdd(s3, a3[p], bv); s4 = multiplyAdd(s4, a4[p], bv); s5 = multiplyAdd(s5, a5[p], bv)
      }
      c[jj] = s0; c[ldc + jj] = s1; c[2 * ldc + jj] = s2; c[3 * ldc + jj] = s3; c[4 * ldc + jj] = s4; c[5 * ldc + jj] = s5
    }
  }
}
