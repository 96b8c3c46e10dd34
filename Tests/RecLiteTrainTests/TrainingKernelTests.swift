import Testing
@testable import RecLiteTrain

/// The training matmul against the plain triple loop, bit for bit. Its contract is that every C
/// element is C (or 0) plus A[i][p]·B[p][j] added for p in order (by the same scalar
/// multiply-add, fused in builds for CPUs with FMA), whatever tile, tail or thread computed it;
/// training is reproducible only because of that, so equality here is exact.
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

  @Test(arguments: [
    (1, 1, 1), (3, 5, 2), (4, 16, 7), (9, 37, 19), (13, 24, 0), (70, 131, 120), (130, 64, 200),
  ])
  func matmulEqualsTheTripleLoopExactly(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    // Leading dimensions wider than the matrices, so strides are exercised too.
    let lda = k + 3, ldb = n + 5, ldc = n + 2
    let a = randomFloats(m * lda, seed: 41)
    let b = randomFloats(max(1, k) * ldb, seed: 42)
    let start = randomFloats(m * ldc, seed: 43)
    for accumulate in [false, true] {
      for parallel in [false, true] {
        var expected = start
        reference(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, &expected, ldc: ldc, accumulate: accumulate)
        var actual = start
        a.withUnsafeBufferPointer { ap in
          b.withUnsafeBufferPointer { bp in
            actual.withUnsafeMutableBufferPointer { cp in
              Kernels.matmul(
                m: m, n: n, k: k, ap.baseAddress!, lda: lda, bp.baseAddress!, ldb: ldb, cp.baseAddress!, ldc: ldc,
                accumulate: accumulate, parallel: parallel)
            }
          }
        }
        let differing = zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(m)×\(n)×\(k), accumulate \(accumulate), parallel \(parallel): \(differing) elements differ")
      }
    }
  }
}
