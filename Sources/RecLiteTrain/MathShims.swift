import Foundation

// Thin wrappers so numeric code reads the same in every file and so the choice of libm entry
// point lives in one place.
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Foundation.exp(x) }
@inline(__always) func _expf(_ x: Float) -> Float { Foundation.expf(x) }
@inline(__always) func _log1pf(_ x: Float) -> Float { Foundation.log1pf(x) }
@inline(__always) func _log1p(_ x: Double) -> Double { Foundation.log1p(x) }
