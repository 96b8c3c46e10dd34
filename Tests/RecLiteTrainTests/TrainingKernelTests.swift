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

  /// The packed product (B copied into panels, as given or from its transpose, as dense layers
  /// pack Wᵀ) against the same triple loop, bit for bit, on shapes that reach every row block
  /// (6, 4, 1) and every panel width (16, 8, the scalar tail).
  @Test(arguments: [
    (1, 1, 1), (5, 7, 3), (6, 16, 9), (10, 24, 33), (11, 29, 64), (17, 8, 5), (64, 1, 64), (70, 131, 120),
    (512, 40, 12),
  ])
  func packedMatmulEqualsTheTripleLoopExactly(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    let lda = k + 3, ldb = n + 5, ldc = n + 2
    let a = randomFloats(m * lda, seed: 51)
    let b = randomFloats(k * ldb, seed: 52)
    // The same B stored transposed ([n][k], leading dimension k + 1).
    var bT = [Float](repeating: .nan, count: n * (k + 1))
    for p in 0..<k { for j in 0..<n { bT[j * (k + 1) + p] = b[p * ldb + j] } }
    let start = randomFloats(m * ldc, seed: 53)
    let packings = [
      PackedMatrix(k: k, n: n, b, ldb: ldb), PackedMatrix(k: k, n: n, bT, ldb: k + 1, transposed: true),
    ]
    for (which, packed) in packings.enumerated() {
      for accumulate in [false, true] {
        for parallel in [false, true] {
          var expected = start
          reference(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, &expected, ldc: ldc, accumulate: accumulate)
          var actual = start
          a.withUnsafeBufferPointer { ap in
            actual.withUnsafeMutableBufferPointer { cp in
              Kernels.matmul(
                m: m, ap.baseAddress!, lda: lda, packed, cp.baseAddress!, ldc: ldc, accumulate: accumulate,
                parallel: parallel)
            }
          }
          let differing = zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
          #expect(
            differing == 0,
            "\(m)×\(n)×\(k), packing \(which), accumulate \(accumulate), parallel \(parallel): \(differing) elements differ")
        }
      }
    }
  }
}
