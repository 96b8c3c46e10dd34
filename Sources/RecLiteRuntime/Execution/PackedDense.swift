// A DENSE layer's weights repacked once at open for the optimized kernel: transposed to
// [inputs][outputs] with the outputs padded to a multiple of 8 and dequantized to float32, so
// the kernel broadcasts one input and multiply-adds it into 8 outputs at a time — no horizontal
// sums, and one code path for float32, float16 and int8 weights.

import CRecLiteFormat

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
  private let memory: UnsafeMutableRawPointer

  /// Packs a verified dense (not CSR) weight and its optional bias.
  init(_ weight: WeightView, bias: UnsafePointer<Float>?) throws(RecLiteError) {
    inputs = weight.inputs
    outputs = weight.outputs
    paddedOutputs = outputs == 1 ? 1 : (outputs + 7) & ~7
    let floats = (inputs + 1) * paddedOutputs
    guard let memory = rlf_aligned_alloc(floats * 4, MemoryPlanner.alignment) else {
      throw RecLiteError(.noMemory, "cannot allocate \(floats * 4) bytes for a packed dense layer")
    }
    self.memory = memory
    weights = memory.assumingMemoryBound(to: Float.self)
    self.bias = weights + inputs * paddedOutputs
    for o in 0..<outputs {
      for i in 0..<inputs { weights[i * paddedOutputs + o] = weight.value(at: o * inputs + i, row: o) }
      self.bias[o] = bias?[o] ?? 0
    }
  }

  deinit { rlf_aligned_free(memory) }

  /// Bytes held.
  var byteCount: Int { (inputs + 1) * paddedOutputs * 4 }
}
