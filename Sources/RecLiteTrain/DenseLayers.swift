/// A fully connected layer y = x·Wᵀ + b with W stored `[out][in]` row-major (out-major, like the
/// runtime's DENSE op) and b `[out]`.
public struct Dense: Sendable, Equatable {
  public let inputs: Int
  public let outputs: Int
  /// `[outputs][inputs]` row-major.
  public var weight: [Float]
  /// `[outputs]`.
  public var bias: [Float]

  /// Normal initialisation with std √(gain/in): He-normal with the default gain 2, suited to the
  /// ReLU layers it feeds; gain 1 for a last layer that feeds no ReLU. Zero bias.
  public init(inputs: Int, outputs: Int, random: inout SeededRandom, gain: Float = 2) {
    self.inputs = inputs
    self.outputs = outputs
    let std = (gain / Float(max(1, inputs))).squareRoot()
    weight = (0..<(inputs * outputs)).map { _ in random.normal() * std }
    bias = [Float](repeating: 0, count: outputs)
  }

  public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
    precondition(weight.count == inputs * outputs && bias.count == outputs)
    self.inputs = inputs
    self.outputs = outputs
    self.weight = weight
    self.bias = bias
  }

  /// A zero layer of the same shape (gradient accumulator).
  public var zeroed: Dense {
    Dense(
      inputs: inputs, outputs: outputs, weight: [Float](repeating: 0, count: weight.count),
      bias: [Float](repeating: 0, count: outputs))
  }

  /// y[batch×out] = x[batch×in]·Wᵀ + b.
  public func forward(_ x: [Float], batch: Int, into y: inout [Float]) {
    precondition(x.count >= batch * inputs && y.count >= batch * outputs)
    // Wᵀ packed straight from W's [out][in] rows: no transposed copy.
    let weightT = PackedMatrix(k: inputs, n: outputs, weight, ldb: inputs, transposed: true)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        bias.withUnsafeBufferPointer { bp in
          for r in 0..<batch {
            (yp.baseAddress! + r * outputs).update(from: bp.baseAddress!, count: outputs)
          }
        }
        Kernels.matmul(m: batch, xp.baseAddress!, lda: inputs, weightT, yp.baseAddress!, ldc: outputs, accumulate: true)
      }
    }
  }

  /// Accumulates dW += dyᵀ·x and db += Σ dy into `grad`, and (when asked) writes
  /// dx[batch×in] = dy·W.
  public func backward(
    x: [Float], dy: [Float], batch: Int, grad: inout Dense, dx: UnsafeMutablePointer<Float>?
  ) {
    var dyT = [Float](repeating: 0, count: batch * outputs)
    dy.withUnsafeBufferPointer { d in
      dyT.withUnsafeMutableBufferPointer { t in
        Kernels.transpose(d.baseAddress!, rows: batch, cols: outputs, t.baseAddress!)
      }
    }
    dyT.withUnsafeBufferPointer { t in
      x.withUnsafeBufferPointer { xp in
        grad.weight.withUnsafeMutableBufferPointer { g in
          Kernels.matmul(
            m: outputs, n: inputs, k: batch, t.baseAddress!, lda: batch, xp.baseAddress!,
            ldb: inputs, g.baseAddress!, ldc: inputs, accumulate: true)
        }
      }
    }
    // db += Σ_r dy[r]: each output's sum starts at 0 and adds rows in order (in SIMD lanes
    // across outputs, which reorders nothing), then joins the accumulated gradient.
    dy.withUnsafeBufferPointer { d in
      grad.bias.withUnsafeMutableBufferPointer { g in
        var o = 0
        while o + 8 <= outputs {
          var s = SIMD8<Float>()
          for r in 0..<batch { s += Kernels.load8(d.baseAddress! + r * outputs + o) }
          Kernels.store8(Kernels.load8(g.baseAddress! + o) + s, g.baseAddress! + o)
          o += 8
        }
        while o < outputs {
          var s: Float = 0
          for r in 0..<batch { s += d[r * outputs + o] }
          g[o] += s
          o += 1
        }
      }
    }
    if let dx {
      dy.withUnsafeBufferPointer { d in
        weight.withUnsafeBufferPointer { w in
          Kernels.matmul(
            m: batch, n: inputs, k: outputs, d.baseAddress!, lda: outputs, w.baseAddress!,
            ldb: inputs, dx, ldc: inputs, accumulate: false)
        }
      }
    }
  }
}

/// Rectified linear unit, in place. Backward uses the forward *output* (y > 0 ⇔ x > 0).
public enum ReLU {
  public static func forward(_ x: inout [Float], count: Int) {
    x.withUnsafeMutableBufferPointer { p in
      for i in 0..<count { p[i] = max(p[i], 0) }
    }
  }

  /// dy ← dy ⊙ [y > 0].
  public static func backward(output y: [Float], gradient dy: inout [Float], count: Int) {
    y.withUnsafeBufferPointer { yp in
      dy.withUnsafeMutableBufferPointer { d in
        for i in 0..<count where yp[i] <= 0 { d[i] = 0 }
      }
    }
  }
}

/// A stack of dense layers with ReLU between them (none after the last), caching activations
/// for backward. Used as the DeepFM MLP and as the two-tower towers.
public enum MLP {
  /// Runs the stack; `activations[0]` must hold the input, the others are resized as needed.
  /// On return `activations[l+1]` is layer l's output (after ReLU unless it is the last).
  public static func forward(_ layers: [Dense], batch: Int, activations: inout [[Float]]) {
    while activations.count < layers.count + 1 { activations.append([]) }
    for (l, layer) in layers.enumerated() {
      if activations[l + 1].count < batch * layer.outputs {
        activations[l + 1] = [Float](repeating: 0, count: batch * layer.outputs)
      }
      layer.forward(activations[l], batch: batch, into: &activations[l + 1])
      if l + 1 < layers.count { ReLU.forward(&activations[l + 1], count: batch * layer.outputs) }
    }
  }

  /// Backward from dOut (gradient of the last layer's output) to dInput, accumulating layer
  /// gradients into `grads`.
  public static func backward(
    _ layers: [Dense], batch: Int, activations: [[Float]], dOut: [Float], grads: inout [Dense],
    dInput: inout [Float]
  ) {
    var dy = dOut
    for l in stride(from: layers.count - 1, through: 0, by: -1) {
      let layer = layers[l]
      if l + 1 < layers.count {
        ReLU.backward(output: activations[l + 1], gradient: &dy, count: batch * layer.outputs)
      }
      var dx = [Float](repeating: 0, count: batch * layer.inputs)
      dx.withUnsafeMutableBufferPointer { p in
        layer.backward(x: activations[l], dy: dy, batch: batch, grad: &grads[l], dx: p.baseAddress!)
      }
      dy = dx
    }
    dInput = dy
  }
}
