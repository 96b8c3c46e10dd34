/// Factorization-machine pairwise term over F field vectors of width d laid side by side in a
/// row of x (row length `stride`, fields starting at `offset`):
///   fm = ½ Σ_j ((Σ_f v_fj)² − Σ_f v_fj²) = Σ_{f<g} ⟨v_f, v_g⟩,
/// computed in O(F·d) per row. Its gradient is ∂fm/∂v_f = (Σ_g v_g) − v_f.
public enum FMInteraction {
  /// Per row: Σ_f v_fj and Σ_f v_fj² for each j (summed over f in order, eight j at a time in
  /// SIMD lanes), then total = Σ_j (sum² − squares) in j order — the scalar loop's operations.
  public static func forward(
    _ x: [Float], stride: Int, offset: Int, fields: Int, dim: Int, count: Int,
    into out: inout [Float]
  ) {
    x.withUnsafeBufferPointer { xp in
      let sums = UnsafeMutablePointer<Float>.allocate(capacity: max(1, dim))
      let squares = UnsafeMutablePointer<Float>.allocate(capacity: max(1, dim))
      defer {
        sums.deallocate()
        squares.deallocate()
      }
      for b in 0..<count {
        let base = xp.baseAddress! + b * stride + offset
        var j = 0
        while j + 8 <= dim {
          var sum = SIMD8<Float>(), square = SIMD8<Float>()
          for f in 0..<fields {
            let v = Kernels.load8(base + f * dim + j)
            sum += v
            square += v * v
          }
          Kernels.store8(sum, sums + j)
          Kernels.store8(square, squares + j)
          j += 8
        }
        while j < dim {
          var sum: Float = 0, square: Float = 0
          for f in 0..<fields {
            let v = base[f * dim + j]
            sum += v
            square += v * v
          }
          sums[j] = sum
          squares[j] = square
          j += 1
        }
        var total: Float = 0
        for j in 0..<dim { total += sums[j] * sums[j] - squares[j] }
        out[b] = 0.5 * total
      }
    }
  }

  /// dx[b, field f] += dOut[b] · (Σ_g v_g − v_f).
  public static func backward(
    _ x: [Float], stride: Int, offset: Int, fields: Int, dim: Int, count: Int, dOut: [Float],
    dx: inout [Float]
  ) {
    x.withUnsafeBufferPointer { xp in
      dx.withUnsafeMutableBufferPointer { d in
        for b in 0..<count {
          let base = b * stride + offset
          let xb = xp.baseAddress! + base, db = d.baseAddress! + base
          let g = dOut[b]
          var j = 0
          while j + 8 <= dim {
            // Lanes are distinct j: each element sees the scalar loop's operations in order.
            var sum = SIMD8<Float>()
            for f in 0..<fields { sum += Kernels.load8(xb + f * dim + j) }
            let g8 = SIMD8(repeating: g)
            for f in 0..<fields {
              let at = f * dim + j
              Kernels.store8(Kernels.load8(db + at) + g8 * (sum - Kernels.load8(xb + at)), db + at)
            }
            j += 8
          }
          while j < dim {
            var sum: Float = 0
            for f in 0..<fields { sum += xb[f * dim + j] }
            for f in 0..<fields {
              let at = f * dim + j
              db[at] += g * (sum - xb[at])
            }
            j += 1
          }
        }
      }
    }
  }
}

/// Row-wise dot product out[b] = ⟨a[b], c[b]⟩ (the two-tower score).
public enum DotProduct {
  public static func forward(_ a: [Float], _ c: [Float], dim: Int, count: Int, into out: inout [Float]) {
    a.withUnsafeBufferPointer { ap in
      c.withUnsafeBufferPointer { cp in
        for b in 0..<count {
          out[b] = Kernels.dot(ap.baseAddress! + b * dim, cp.baseAddress! + b * dim, dim)
        }
      }
    }
  }

  /// da[b] = dOut[b]·c[b], dc[b] = dOut[b]·a[b].
  public static func backward(
    _ a: [Float], _ c: [Float], dim: Int, count: Int, dOut: [Float], da: inout [Float],
    dc: inout [Float]
  ) {
    for b in 0..<count {
      let g = dOut[b]
      for j in 0..<dim {
        da[b * dim + j] = g * c[b * dim + j]
        dc[b * dim + j] = g * a[b * dim + j]
      }
    }
  }
}

/// Logistic function and binary cross-entropy on logits, written to stay finite for any logit.
public enum Logistic {
  /// σ(z) without overflow: for z < 0 use e^z/(1+e^z).
  @inline(__always)
  public static func sigmoid(_ z: Float) -> Float {
    if z >= 0 { return 1 / (1 + _expf(-z)) }
    let e = _expf(z)
    return e / (1 + e)
  }

  /// BCE(σ(z), y) = max(z,0) − z·y + log(1 + e^{−|z|}), valid for soft targets y ∈ [0,1].
  /// Its derivative in z is σ(z) − y.
  @inline(__always)
  public static func bceWithLogits(_ z: Float, target y: Float) -> Float {
    max(z, 0) - z * y + _log1pf(_expf(-abs(z)))
  }
}

/// Hinton-style soft-label distillation term on logits:
///   T² · BCE(σ(z_s/T), σ(z_t/T)),
/// whose derivative in the student logit z_s is T·(σ(z_s/T) − σ(z_t/T)). The T² keeps the
/// gradient scale comparable to the hard loss as T changes (Hinton et al., 2015).
public enum SoftLabelLoss {
  @inline(__always)
  public static func loss(student z: Float, teacher t: Float, temperature T: Float) -> Float {
    T * T * Logistic.bceWithLogits(z / T, target: Logistic.sigmoid(t / T))
  }

  @inline(__always)
  public static func gradient(student z: Float, teacher t: Float, temperature T: Float) -> Float {
    T * (Logistic.sigmoid(z / T) - Logistic.sigmoid(t / T))
  }
}

/// Position weights of Ranking Distillation (Tang & Wang, KDD 2018): the teacher's r-th item
/// (r = 1…K) gets w_r ∝ exp(−r/λ). We normalise them to sum to K (mean 1), so β alone sets how
/// strongly the top-K pull compared with one hard positive.
public func rankingDistillationWeights(k: Int, lambda: Double) -> [Float] {
  guard k > 0 else { return [] }
  let raw = (1...k).map { _exp(-Double($0) / max(lambda, 1e-9)) }
  let total = raw.reduce(0, +)
  return raw.map { Float($0 / total * Double(k)) }
}
