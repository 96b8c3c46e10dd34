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

  /// C[m×n] = (accumulate ? C : 0) + A[m×k] · B[k×n], with leading dimensions lda, ldb, ldc:
  /// B is packed into panels (`PackedMatrix`), then rows of C are split across threads when the
  /// product is large; the result is the same bits either way.
  static func matmul(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, lda: Int,
    _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, parallel: Bool = true
  ) {
    matmul(m: m, a, lda: lda, PackedMatrix(k: k, n: n, b, ldb: ldb), c, ldc: ldc, accumulate: accumulate, parallel: parallel)
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
