// A DENSE layer's weights repacked once at open for the optimized kernel: transposed to
// [inputs][outputs] with the outputs padded to a multiple of 8 and dequantized to float32, so
// the kernel broadcasts one input and multiply-adds it into 8 outputs at a time — no horizontal
// sums, and one code path for float32, float16 and int8 weights.

final class PackedDense {
  let inputs: Int
  let outputs: Int
  /// Outputs rounded up to a multiple of 8 (the padding columns hold zeros); 1 for a layer with
  /// one output, whose weights are then one contiguous vector.
  let paddedOutputs: Int
  /// `[inputs][paddedOutputs]`.
  let weights: UnsafeMutablePointer<Float>
  /// `[paddedOutputs]`, zeros where the layer has no bias.
  let bias: UnsafeMutablePointer<Float>
  private let memory: AlignedMemory

  /// Packs a verified dense (not CSR) weight and its optional bias. (A convenience init: the
  /// allocation that can fail runs before the object exists — see OwnedMemory.swift.)
  convenience init(_ weight: WeightView, bias: UnsafePointer<Float>?) throws(RecLiteError) {
    let padded = weight.outputs == 1 ? 1 : (weight.outputs + 7) & ~7
    let memory = try AlignedMemory.allocate((weight.inputs + 1) * padded * 4, for: "a packed dense layer")
    try Fallible.reserveObject(for: "a packed dense layer")
    self.init(weight, bias: bias, paddedOutputs: padded, memory: memory)
  }

  private init(_ weight: WeightView, bias: UnsafePointer<Float>?, paddedOutputs: Int, memory: AlignedMemory) {
    inputs = weight.inputs
    outputs = weight.outputs
    self.paddedOutputs = paddedOutputs
    self.memory = memory
    weights = memory.bind(to: Float.self, repeating: 0, count: (inputs + 1) * paddedOutputs)
    self.bias = weights + inputs * paddedOutputs
    for o in 0..<outputs {
      for i in 0..<inputs { weights[i * paddedOutputs + o] = weight.value(at: o * inputs + i, row: o) }
      self.bias[o] = bias?[o] ?? 0
    }
  }

  /// Bytes held.
  var byteCount: Int { (inputs + 1) * paddedOutputs * 4 }
}
