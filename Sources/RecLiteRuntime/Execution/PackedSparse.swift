// A DENSE layer's CSR weights repacked once at open for the sparse kernel: the nonzeros
// dequantized to float32, each column index premultiplied by the kernel's lane count (it
// addresses a transposed block of eight input rows), and the bias padded to the outputs.

final class PackedSparse {
  /// Rows of input the kernel transposes and runs together (one SIMD8 lane each).
  static let lanes = 8

  let inputs: Int
  let outputs: Int
  /// `[outputs + 1]`: output o owns nonzeros `start[o] ..< start[o + 1]`.
  let start: UnsafeMutablePointer<Int32>
  /// `[nnz]`: column × lanes, the offset of the column in the transposed block.
  let offsets: UnsafeMutablePointer<Int32>
  /// `[nnz]`: the real weight values.
  let values: UnsafeMutablePointer<Float>
  /// `[outputs]`, zeros where the layer has no bias.
  let bias: UnsafeMutablePointer<Float>
  private let memory: AlignedMemory

  /// Packs a verified CSR weight (its row offsets and columns checked at open) and its bias.
  /// (A convenience init: the allocation that can fail runs before the object exists — see
  /// OwnedMemory.swift.)
  convenience init(_ weight: WeightView, bias: UnsafePointer<Float>?) throws(RecLiteError) {
    guard let rowOffsets = weight.rowOffsets, let columns = weight.columns else {
      throw RecLiteError(.internalError, "a sparse layer without CSR indices")
    }
    let nonzeros = Int(rowOffsets[weight.outputs])
    let words = (weight.outputs + 1) + 2 * nonzeros + weight.outputs
    let memory = try AlignedMemory.allocate(words * 4, for: "a sparse dense layer")
    try Fallible.reserveObject(for: "a sparse dense layer")
    self.init(weight, rowOffsets: rowOffsets, columns: columns, bias: bias, memory: memory)
  }

  private init(
    _ weight: WeightView, rowOffsets: UnsafePointer<Int32>, columns: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    memory: AlignedMemory
  ) {
    inputs = weight.inputs
    outputs = weight.outputs
    let nonzeros = Int(rowOffsets[outputs])
    self.memory = memory
    start = memory.pointer.bindMemory(to: Int32.self, capacity: (outputs + 1) + nonzeros)
    offsets = start + (outputs + 1)
    values = UnsafeMutableRawPointer(offsets + nonzeros).bindMemory(to: Float.self, capacity: nonzeros + outputs)
    self.bias = values + nonzeros
    for o in 0...outputs { start[o] = rowOffsets[o] }
    for o in 0..<outputs {
      for k in Int(rowOffsets[o])..<Int(rowOffsets[o + 1]) {
        offsets[k] = columns[k] &* Int32(PackedSparse.lanes)
        values[k] = weight.value(at: k, row: o)
      }
      self.bias[o] = bias?[o] ?? 0
    }
  }

  /// Bytes held.
  var byteCount: Int { ((outputs + 1) + 2 * Int(start[outputs]) + outputs) * 4 }

  /// Scratch floats the kernel needs: one transposed block of input rows.
  var scratchFloats: Int { inputs * PackedSparse.lanes }
}
