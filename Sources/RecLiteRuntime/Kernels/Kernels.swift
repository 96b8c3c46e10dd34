// Kernel dispatch: the executor calls these; each picks the fastest kernel
// that is held equal to its reference in the tests.

public enum Kernels {
  @inline(__always)
  public static func dense(
    x: MatrixView, weight: WeightView, bias: UnsafePointer<Float>?, rows: Int, out: MatrixView
  ) {
    ReferenceKernels.dense(x: x, weight: weight, bias: bias, rows: rows, out: out)
  }
}
