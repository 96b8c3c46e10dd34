// The libm functions the kernels need, reached through the C shim because
// Embedded Swift cannot import the C library's math module.

import CRecLiteFormat

enum Math {
  @inline(__always)
  static func exp(_ x: Float) -> Float { rlf_expf(x) }
}
