// Row-wise uint4 rows (FBGEMM-style: two codes per byte, low nibble first, then a float16
// scale and bias) decoded eight values at a time: one 32-bit load holds eight codes, a vector
// shift per lane spreads them, and one multiply-add per lane gives code · scale + bias. Held to
// ReferenceKernels.accumulateRow by the kernel tests.

extension OptimizedKernels {
  /// The nibble each lane of an eight-code word starts at.
  private static let nibbleShifts = SIMD8<UInt32>(0, 4, 8, 12, 16, 20, 24, 28)

  /// Writes the `width` values of the uint4 row at `source` to `row`.
  @inline(__always)
  static func decodeUInt4Row(_ source: UnsafeRawPointer, width: Int, into row: UnsafeMutablePointer<Float>) {
    let (scale, bias) = RowWise.parameters(source, at: (width &+ 1) &>> 1, type: .uint4)
    let vectors = width & ~7
    let scales = SIMD8<Float>(repeating: scale)
    let biases = SIMD8<Float>(repeating: bias)
    var j = 0
    while j < vectors {
      let word = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: j &>> 1, as: UInt32.self))
      let codes = (SIMD8<UInt32>(repeating: word) &>> nibbleShifts) & SIMD8(repeating: 0xF)
      let values = VectorMath.multiplyAdd(biases, SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: codes)), scales)
      VectorMath.store(values, row + j, count: 8)
      j &+= 8
    }
    while j < width {
      let byte = source.load(fromByteOffset: j &>> 1, as: UInt8.self)
      let code = j & 1 == 0 ? byte & 0x0F : byte &>> 4
      row[j] = VectorMath.multiplyAdd(bias, Float(code), scale)
      j &+= 1
    }
  }
}
