// IEEE 754 half precision ⇄ single precision, written out so the runtime does
// not depend on Float16 support of the target (armv7 boards).

public enum Half {
  /// The float32 value of a float16 bit pattern (exact).
  @inline(__always)
  public static func toFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int32((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x03FF)
    if exponent == 0 {
      // Zero or subnormal: mantissa × 2^-24.
      let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
      return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 31 {
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
  }

  /// The nearest float16 bit pattern to `value` (round half to even; overflow → infinity).
  public static func fromFloat(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int32((bits >> 23) & 0xFF)
    let mantissa = bits & 0x007F_FFFF
    if exponent == 0xFF {
      return sign | 0x7C00 | (mantissa != 0 ? 0x0200 : 0)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 31 { return sign | 0x7C00 }
    if halfExponent <= 0 {
      // Subnormal half (or zero): shift the implicit-one mantissa into place.
      if halfExponent < -10 { return sign }
      let full = mantissa | 0x0080_0000
      let shift = UInt32(14 - halfExponent)
      var result = full >> shift
      let remainder = full & ((1 << shift) - 1)
      let halfway = UInt32(1) << (shift - 1)
      if remainder > halfway || (remainder == halfway && (result & 1) != 0) { result += 1 }
      return sign | UInt16(result)
    }
    var result = UInt32(halfExponent) << 10 | (mantissa >> 13)
    let remainder = mantissa & 0x1FFF
    if remainder > 0x1000 || (remainder == 0x1000 && (result & 1) != 0) { result += 1 }
    return sign | UInt16(result)  // a carry into the exponent rounds up correctly, to infinity at most
  }
}
