// The DENSE layer over CSR weights (unstructured pruning), held to ReferenceKernels.dense by
// the kernel tests (float tolerance: the sums start from the bias). Eight input rows at a time
// are transposed into the session's scratch, so each nonzero costs one broadcast multiply-add
// over eight rows instead of a gather; the work is Σ nonzeros instead of inputs × outputs, which
// pays only at high sparsity — the exporter writes CSR only where it measured this kernel
// faster than the packed dense one on the layer.

extension OptimizedKernels {
  /// out[r] = act(bias + W · x[r]) for `rows` rows with `layer`'s CSR weights; `scratch` holds
  /// `layer.scratchFloats` floats.
  @_optimize(speed)
  static func sparseDense(
    x: MatrixView, layer: PackedSparse, rows: Int, out: MatrixView, relu: Bool, scratch: UnsafeMutablePointer<Float>
  ) {
    let lanes = PackedSparse.lanes
    var r = 0
    while r < rows {
      let count = min(lanes, rows &- r)
      // scratch[i · 8 + lane] = x[r + lane][i]; missing lanes repeat the last row and are not stored.
      for lane in 0..<lanes {
        let source = x.row(r &+ min(lane, count &- 1))
        for i in 0..<layer.inputs { scratch[i &* lanes &+ lane] = source[i] }
      }
      for o in 0..<layer.outputs {
        var acc = SIMD8<Float>(repeating: layer.bias[o])
        for k in Int(layer.start[o])..<Int(layer.start[o &+ 1]) {
          acc = VectorMath.multiplyAdd(acc, SIMD8(repeating: layer.values[k]), VectorMath.load(scratch + Int(layer.offsets[k])))
        }
        if relu { acc = VectorMath.relu(acc) }
        for lane in 0..<count { out.row(r &+ lane)[o] = acc[lane] }
      }
      r &+= count
    }
  }
}
