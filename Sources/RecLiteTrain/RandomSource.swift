/// Seeded, reproducible random numbers for everything RecLiteTrain samples.
///
/// Training must give bit-identical weights for the same seed, so nothing here ever touches
/// `SystemRandomNumberGenerator`. The generator is xoshiro256** (Blackman & Vigna), seeded by
/// expanding one `UInt64` with SplitMix64 as its authors recommend.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// xoshiro256**: fast, small state, good statistical quality for sampling negatives and init.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var s0, s1, s2, s3: UInt64

  public init(seed: UInt64) {
    var mix = SplitMix64(seed: seed)
    s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
  }

  /// A generator for an independent stream, e.g. one per epoch or per purpose, so that adding a
  /// consumer of randomness in one place does not shift the numbers drawn elsewhere.
  public init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
  }

  @inline(__always)
  private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  @inline(__always)
  public mutating func next() -> UInt64 {
    let result = Self.rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
    s2 ^= t
    s3 = Self.rotl(s3, 45)
    return result
  }

  /// Uniform integer in `0..<bound` (Lemire's multiply-shift; the tiny bias is irrelevant here
  /// and avoiding the rejection loop keeps the stream length independent of values).
  @inline(__always)
  public mutating func below(_ bound: Int) -> Int {
    precondition(bound > 0)
    return Int((UInt64(bound).multipliedFullWidth(by: next())).high)
  }

  /// Uniform Float in [0, 1) from the top 24 bits.
  @inline(__always)
  public mutating func unitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

  /// Standard normal sample (Box–Muller); used for weight initialisation only.
  public mutating func normal() -> Float {
    var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    if u1 < 1e-300 { u1 = 1e-300 }
    let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
  }

  /// Fisher–Yates shuffle driven by this generator (the standard library's `shuffle(using:)`
  /// does not promise a stable algorithm across versions; this one is ours).
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = below(i + 1)
      if i != j { array.swapAt(i, j) }
    }
  }
}
