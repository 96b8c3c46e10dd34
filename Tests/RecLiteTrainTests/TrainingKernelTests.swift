import Testing
@testable import RecLiteTrain

/// The training matmul against the plain triple loop, bit for bit. Its contract is that every C
/// element is C (or 0) plus A[i][p]·B[p][j] added for p in order (by the same scalar
/// multiply-add, fused in builds for CPUs with FMA), whatever tile, padding, packing or thread
/// computed it; training is reproducible only because of that, so equality here is exact.
@Suite struct TrainingKernelTests {
  func reference(
    m: Int, n: Int, k: Int, _ a: [Float], lda: Int, _ b: [Float], ldb: Int, _ c: inout [Float], ldc: Int,
    accumulate: Bool
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var s: Float = accumulate ? c[i * ldc + j] : 0
        for p in 0..<k { s = Kernels.multiplyAdd(s, a[i * lda + p], b[p * ldb + j]) }
        c[i * ldc + j] = s
      }
    }
  }

  /// Shapes reach every panel width (16, 8, the scalar tail), whole 6-row blocks and padded
  /// leftover rows, k = 0, and products large enough to be split across threads.
  @Test(arguments: [
    (1, 1, 1), (3, 5, 2), (4, 16, 7), (5, 7, 3), (6, 16, 9), (9, 37, 19), (10, 24, 33), (11, 29, 64),
    (13, 24, 0), (17, 8, 5), (64, 1, 64), (70, 131, 120), (130, 64, 200), (512, 40, 12),
  ])
  func matmulEqualsTheTripleLoopExactly(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    // Leading dimensions wider than the matrices, so strides are exercised too.
    let lda = k + 3, ldb = n + 5, ldc = n + 2
    let a = randomFloats(m * lda, seed: 41)
    let b = randomFloats(max(1, k) * ldb, seed: 42)
    // The same B stored transposed ([n][k], leading dimension k + 1), as dense layers hold Wᵀ.
    var bT = [Float](repeating: .nan, count: max(1, n * (k + 1)))
    for p in 0..<k { for j in 0..<n { bT[j * (k + 1) + p] = b[p * ldb + j] } }
    let start = randomFloats(m * ldc, seed: 43)
    // The three ways in: B as given (packed inside), packed, packed from its transpose.
    let ways: [(String, (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Bool, Bool) -> Void)] = [
      ("row-major B", { ap, cp, accumulate, parallel in
        b.withUnsafeBufferPointer { bp in
          Kernels.matmul(
            m: m, n: n, k: k, ap, lda: lda, bp.baseAddress!, ldb: ldb, cp, ldc: ldc, accumulate: accumulate,
            parallel: parallel)
        }
      }),
      ("packed B", { ap, cp, accumulate, parallel in
        Kernels.matmul(
          m: m, ap, lda: lda, PackedMatrix(k: k, n: n, b, ldb: ldb), cp, ldc: ldc, accumulate: accumulate,
          parallel: parallel)
      }),
      ("packed from Bᵀ", { ap, cp, accumulate, parallel in
        Kernels.matmul(
          m: m, ap, lda: lda, PackedMatrix(k: k, n: n, bT, ldb: k + 1, transposed: true), cp, ldc: ldc,
          accumulate: accumulate, parallel: parallel)
      }),
    ]
    for (way, product) in ways {
      for accumulate in [false, true] {
        for parallel in [false, true] {
          var expected = start
          reference(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, &expected, ldc: ldc, accumulate: accumulate)
          var actual = start
          a.withUnsafeBufferPointer { ap in
            actual.withUnsafeMutableBufferPointer { cp in product(ap.baseAddress!, cp.baseAddress!, accumulate, parallel) }
          }
          let differing = zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
          #expect(
            differing == 0,
            "\(m)×\(n)×\(k), \(way), accumulate \(accumulate), parallel \(parallel): \(differing) elements differ")
        }
      }
    }
  }
}
