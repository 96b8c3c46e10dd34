// Kernel dispatch: the executor calls these; each picks the fastest kernel
// that the kernel tests hold to its reference.

public enum Kernels {
  @inline(__always)
  public static func fmInteraction(fieldCount: Int, field: (Int) -> MatrixView, rows: Int, out: MatrixView) {
    OptimizedKernels.fmInteraction(fieldCount: fieldCount, field: field, rows: rows, out: out)
  }

  @inline(__always)
  public static func activate(_ activation: Activation, rows: Int, out: MatrixView) {
    if activation == .relu && out.isContiguous {
      OptimizedKernels.relu(out.base, count: rows * out.width)
    } else {
      ReferenceKernels.activate(activation, rows: rows, out: out)
    }
  }
}
