// Vector building blocks of the optimized kernels, written with SIMD arithmetic only: Embedded
// Swift compiles SIMD comparisons and pointwiseMax to per-lane loops, while +, −, ×, bitwise
// ops and shifts map to single vector instructions. Kernels that use these are marked
// `@_optimize(speed)`: the library is built -Osize, which leaves lane conversions as calls.

enum VectorMath {
  /// acc + a·b. One fused instruction when the library is built for CPUs with FMA (the
  /// RECLITE_FMA build flag, set with the target CPU); a multiply and an add otherwise. Every
  /// optimized kernel and its scalar twin use this, so lanes and scalars round alike.
  @inline(__always)
  static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    #if RECLITE_FMA
      return acc.addingProduct(a, b)
    #else
      return acc + a * b
    #endif
  }

  /// The scalar twin of `multiplyAdd(_:_:_:)` on SIMD8.
  @inline(__always)
  static func multiplyAdd(_ acc: Float, _ a: Float, _ b: Float) -> Float {
    #if RECLITE_FMA
      return acc.addingProduct(a, b)
    #else
      return acc + a * b
    #endif
  }

  /// max(x, 0) per lane with the reference kernel's rule that NaN becomes 0: a lane is kept
  /// when its bits, read as Int32, lie in 1...0x7F80_0000 (positive and at most +infinity).
  @inline(__always)
  static func relu(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
    let keep = ((SIMD8<Int32>.zero &- bits) &>> 31) & ((bits &- 0x7F80_0001) &>> 31)
    return unsafeBitCast(bits & keep, to: SIMD8<Float>.self)
  }

  /// Whether any lane of `values` may exceed `threshold`: true for every lane that does (and,
  /// harmlessly, for NaN lanes and −0 differences, which an exact check then drops). (v − t) > 0
  /// exactly when the negated bits of v − t have their sign set.
  @inline(__always)
  static func mayExceed(_ values: SIMD8<Float>, _ threshold: Float) -> Bool {
    anySign(excessSigns(values, SIMD8(repeating: threshold)))
  }

  /// Lanes whose sign bit is set where `values` may exceed `threshold` (as in `mayExceed`): OR
  /// several blocks' signs and test them once with `anySign`.
  @inline(__always)
  static func excessSigns(_ values: SIMD8<Float>, _ threshold: SIMD8<Float>) -> SIMD8<Int32> {
    SIMD8<Int32>.zero &- unsafeBitCast(values - threshold, to: SIMD8<Int32>.self)
  }

  /// Whether any lane of `signs` has its sign bit set.
  @inline(__always)
  static func anySign(_ signs: SIMD8<Int32>) -> Bool {
    let words = unsafeBitCast(signs, to: SIMD4<UInt64>.self)
    let folded = words.lowHalf | words.highHalf
    return (folded[0] | folded[1]) & 0x8000_0000_8000_0000 != 0
  }

  /// Eight bytes at `pointer` as floats 0...255. One widening load and a conversion inside
  /// functions compiled with `@_optimize(speed)` (the kernels); a call per use under -Osize.
  @inline(__always)
  static func bytesToFloats(_ pointer: UnsafeRawPointer) -> SIMD8<Float> {
    SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: pointer.loadUnaligned(as: SIMD8<UInt8>.self)))
  }

  /// Eight floats from `pointer` (any alignment).
  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
  }

  /// The sum of the lanes: (l0 + l4) + (l1 + l5) … folded to one value.
  @inline(__always)
  static func sum(_ values: SIMD8<Float>) -> Float {
    let four = values.lowHalf + values.highHalf
    let two = four.lowHalf + four.highHalf
    return two[0] + two[1]
  }

  /// Copies `count` floats, eight at a time.
  @inline(__always)
  static func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
    var j = 0
    while j &+ 8 <= count {
      store(load(source + j), target + j, count: 8)
      j &+= 8
    }
    while j < count {
      target[j] = source[j]
      j &+= 1
    }
  }

  /// Stores the first `count` (≤ 8) lanes of `values` at `pointer`.
  @inline(__always)
  static func store(_ values: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
    if count == 8 {
      UnsafeMutableRawPointer(pointer).storeBytes(of: values, as: SIMD8<Float>.self)
    } else {
      for lane in 0..<count { pointer[lane] = values[lane] }
    }
  }
}
