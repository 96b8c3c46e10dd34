// Optimized kernels: register blocking and SIMD for the dense layer (the op whose cost grows
// with inputs × outputs × candidates) and for embedding lookups, held to ReferenceKernels by the
// kernel tests (float tolerance where the summation order differs).

public enum OptimizedKernels {
  /// out[r] = act(bias + Σ_i x[r][i] · W[i]) with W packed [inputs][paddedOutputs]: tiles of 2
  /// rows × 16 outputs, so each broadcast input serves 16 outputs and each loaded weight vector
  /// two rows, with four independent accumulators. `relu` applies the activation in registers.
  @_optimize(speed)
  static func packedDense(x: MatrixView, layer: PackedDense, rows: Int, out: MatrixView, relu: Bool) {
    let inputs = layer.inputs
    let padded = layer.paddedOutputs
    let weights = layer.weights
    var r = 0
    while r < rows {
      let pair = r &+ 1 < rows
      let x0 = x.row(r)
      let x1 = x.row(pair ? r &+ 1 : r)
      var o = 0
      while o < padded {
        let wide = o &+ 16 <= padded
        let b0 = VectorMath.load(layer.bias + o)
        let b1 = wide ? VectorMath.load(layer.bias + (o &+ 8)) : SIMD8<Float>()
        var a0 = b0, a1 = b1, c0 = b0, c1 = b1
        var w = weights + o
        if wide {
          for i in 0..<inputs {
            let u = SIMD8(repeating: x0[i])
            let v = SIMD8(repeating: x1[i])
            let w0 = VectorMath.load(w)
            let w1 = VectorMath.load(w + 8)
            a0 = VectorMath.multiplyAdd(a0, u, w0)
            a1 = VectorMath.multiplyAdd(a1, u, w1)
            c0 = VectorMath.multiplyAdd(c0, v, w0)
            c1 = VectorMath.multiplyAdd(c1, v, w1)
            w += padded
          }
        } else {
          for i in 0..<inputs {
            let w0 = VectorMath.load(w)
            a0 = VectorMath.multiplyAdd(a0, SIMD8(repeating: x0[i]), w0)
            c0 = VectorMath.multiplyAdd(c0, SIMD8(repeating: x1[i]), w0)
            w += padded
          }
        }
        if relu {
          a0 = VectorMath.relu(a0)
          a1 = VectorMath.relu(a1)
          c0 = VectorMath.relu(c0)
          c1 = VectorMath.relu(c1)
        }
        let first = min(8, layer.outputs &- o)
        let second = wide ? min(8, layer.outputs &- o &- 8) : 0
        VectorMath.store(a0, out.row(r) + o, count: first)
        if second > 0 { VectorMath.store(a1, out.row(r) + (o &+ 8), count: second) }
        if pair {
          VectorMath.store(c0, out.row(r &+ 1) + o, count: first)
          if second > 0 { VectorMath.store(c1, out.row(r &+ 1) + (o &+ 8), count: second) }
        }
        o &+= wide ? 16 : 8
      }
      r &+= pair ? 2 : 1
    }
  }

  /// out[i] = table[ids[i]] decoded to float32, eight values at a time.
  @_optimize(speed)
  public static func embeddingLookup(_ table: TableView, ids: UnsafePointer<Int32>, count: Int, out: MatrixView) {
    let width = table.width
    let vectors = width & ~7
    for i in 0..<count {
      let row = out.row(i)
      let stored = table.storedRow(Int(ids[i]))
      guard stored >= 0 else {  // a pruned row reads as zeros
        row.update(repeating: 0, count: width)
        continue
      }
      let source = table.data + stored &* table.rowStride
      switch table.encoding {
      case .float32:
        VectorMath.copy(source.assumingMemoryBound(to: Float.self), to: row, count: width)
      case .rowWiseUInt8:
        let (scale, bias) = RowWise.parameters(source, at: width, type: .uint8)
        var j = 0
        while j < vectors {
          let values = VectorMath.multiplyAdd(SIMD8(repeating: bias), VectorMath.bytesToFloats(source + j), SIMD8(repeating: scale))
          VectorMath.store(values, row + j, count: 8)
          j &+= 8
        }
        while j < width {
          row[j] = VectorMath.multiplyAdd(bias, Float(source.load(fromByteOffset: j, as: UInt8.self)), scale)
          j &+= 1
        }
      case .float16, .rowWiseUInt4:
        row.update(repeating: 0, count: width)
        ReferenceKernels.accumulateRow(table, row: Int(ids[i]), weight: 1, into: row)
      }
    }
  }

  /// out[r] = act(a[r] + b[r]) (`product`: a[r] ⊙ b[r]); a row stride of 0 broadcasts one row.
  /// Eight lanes at a time; `relu` applies the activation before the store.
  @_optimize(speed)
  static func elementwise(_ a: MatrixView, _ b: MatrixView, rows: Int, out: MatrixView, product: Bool, relu: Bool) {
    let width = out.width
    // One value per row (biases, partial logits): one flat pass over the rows.
    if width == 1 && out.rowStride == 1 && a.rowStride <= 1 && b.rowStride <= 1 {
      let x = a.base, y = b.base, z = out.base
      let (sx, sy) = (a.rowStride, b.rowStride)
      var r = 0
      if sx == 1 && sy == 1 {
        while r &+ 8 <= rows {
          let u = VectorMath.load(x + r), v = VectorMath.load(y + r)
          var w = product ? u * v : u + v
          if relu { w = VectorMath.relu(w) }
          VectorMath.store(w, z + r, count: 8)
          r &+= 8
        }
      }
      while r < rows {
        var w = product ? x[r &* sx] * y[r &* sy] : x[r &* sx] + y[r &* sy]
        if relu && !(w > 0) { w = 0 }
        z[r] = w
        r &+= 1
      }
      return
    }
    for r in 0..<rows {
      let (x, y, z) = (a.row(r), b.row(r), out.row(r))
      var j = 0
      while j &+ 8 <= width {
        let u = VectorMath.load(x + j)
        let v = VectorMath.load(y + j)
        var w = product ? u * v : u + v
        if relu { w = VectorMath.relu(w) }
        VectorMath.store(w, z + j, count: 8)
        j &+= 8
      }
      while j < width {
        var w = product ? x[j] * y[j] : x[j] + y[j]
        if relu && !(w > 0) { w = 0 }
        z[j] = w
        j &+= 1
      }
    }
  }

  /// out[r] = Σ_j a[r][j] · b[r][j], eight lanes at a time then a sum of the lanes.
  @_optimize(speed)
  static func dot(_ a: MatrixView, _ b: MatrixView, rows: Int, out: MatrixView) {
    let width = a.width
    for r in 0..<rows {
      let (x, y) = (a.row(r), b.row(r))
      var j = 0
      var sum: Float = 0
      if width >= 8 {
        var acc = SIMD8<Float>()
        while j &+ 8 <= width {
          acc = VectorMath.multiplyAdd(acc, VectorMath.load(x + j), VectorMath.load(y + j))
          j &+= 8
        }
        sum = VectorMath.sum(acc)
      }
      while j < width {
        sum = VectorMath.multiplyAdd(sum, x[j], y[j])
        j &+= 1
      }
      out.row(r)[0] = sum
    }
  }

  /// out[r] = x[r] (`x.width` values; `out` may be a column range of a wider matrix).
  @_optimize(speed)
  static func copy(_ x: MatrixView, rows: Int, out: MatrixView) {
    for r in 0..<rows { VectorMath.copy(x.row(r), to: out.row(r), count: x.width) }
  }

  /// ReLU over contiguous values; NaN becomes 0 like the reference.
  @_optimize(speed)
  public static func relu(_ values: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i &+ 8 <= count {
      VectorMath.store(VectorMath.relu(VectorMath.load(values + i)), values + i, count: 8)
      i &+= 8
    }
    while i < count {
      if !(values[i] > 0) { values[i] = 0 }
      i &+= 1
    }
  }
}

extension OptimizedKernels {
  /// The FM pairwise term as Σ_{f<g} ⟨v_f, v_g⟩ (equal to ½ Σ((Σ v)² − Σ v²)):
  /// one SIMD dot product per pair of fields and row, no per-element field lookups.
  public static func fmInteraction(fieldCount: Int, field: (Int) -> MatrixView, rows: Int, out: MatrixView) {
    for r in 0..<rows { out.row(r)[0] = 0 }
    guard fieldCount > 1 else { return }
    for f in 0..<(fieldCount - 1) {
      let a = field(f)
      for g in (f + 1)..<fieldCount {
        let b = field(g)
        for r in 0..<rows { out.row(r)[0] += dot(a.row(r), b.row(r), count: a.width) }
      }
    }
  }

  @inline(__always)
  static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Float {
    let x = UnsafeRawPointer(a)
    let y = UnsafeRawPointer(b)
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
      acc += x.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * y.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
      i += 8
    }
    var sum = acc.sum()
    while i < count {
      sum += a[i] * b[i]
      i += 1
    }
    return sum
  }
}
