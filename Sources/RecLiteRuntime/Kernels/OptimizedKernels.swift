// Optimized kernels: register blocking and SIMD for the dense layer (the op whose cost grows
// with inputs × outputs × candidates) and for embedding lookups, held to ReferenceKernels by the
// kernel tests (float tolerance where the summation order differs).

public enum OptimizedKernels {
  /// out[r] = act(bias + Σ_i x[r][i] · W[i]) with W packed [inputs][paddedOutputs]: tiles of 4
  /// rows × 16 outputs, so each broadcast input serves 16 outputs and each loaded weight vector
  /// four rows, with eight independent accumulators; one output (a logit) is a dot product per
  /// row instead. `relu` applies the activation in registers.
  @_optimize(speed)
  static func packedDense(x: MatrixView, layer: PackedDense, rows: Int, out: MatrixView, relu: Bool) {
    if layer.outputs == 1 {
      denseSingleOutput(x: x, layer: layer, rows: rows, out: out, relu: relu)
      return
    }
    var r = 0
    while r < rows {
      let count = min(4, rows &- r)
      var o = 0
      while o < layer.paddedOutputs {
        if o &+ 16 <= layer.paddedOutputs {
          denseTile(x: x, layer: layer, row: r, rows: count, output: o, wide: true, out: out, relu: relu)
          o &+= 16
        } else {
          denseTile(x: x, layer: layer, row: r, rows: count, output: o, wide: false, out: out, relu: relu)
          o &+= 8
        }
      }
      r &+= count
    }
  }

  /// One tile of `packedDense`: rows r ..< r + rows (at most 4; missing rows repeat the last
  /// and are not stored), outputs o ..< o + 16 (or + 8 when not `wide`).
  @inline(__always)
  private static func denseTile(
    x: MatrixView, layer: PackedDense, row r: Int, rows: Int, output o: Int, wide: Bool, out: MatrixView, relu: Bool
  ) {
    let x0 = x.row(r)
    let x1 = x.row(r &+ min(1, rows &- 1))
    let x2 = x.row(r &+ min(2, rows &- 1))
    let x3 = x.row(r &+ min(3, rows &- 1))
    let low = VectorMath.load(layer.bias + o)
    let high = wide ? VectorMath.load(layer.bias + (o &+ 8)) : SIMD8<Float>()
    var a = (low, low, low, low)
    var b = (high, high, high, high)
    var w = layer.weights + o
    for i in 0..<layer.inputs {
      let w0 = VectorMath.load(w)
      let v0 = SIMD8(repeating: x0[i]), v1 = SIMD8(repeating: x1[i])
      let v2 = SIMD8(repeating: x2[i]), v3 = SIMD8(repeating: x3[i])
      a.0 = VectorMath.multiplyAdd(a.0, v0, w0)
      a.1 = VectorMath.multiplyAdd(a.1, v1, w0)
      a.2 = VectorMath.multiplyAdd(a.2, v2, w0)
      a.3 = VectorMath.multiplyAdd(a.3, v3, w0)
      if wide {
        let w1 = VectorMath.load(w + 8)
        b.0 = VectorMath.multiplyAdd(b.0, v0, w1)
        b.1 = VectorMath.multiplyAdd(b.1, v1, w1)
        b.2 = VectorMath.multiplyAdd(b.2, v2, w1)
        b.3 = VectorMath.multiplyAdd(b.3, v3, w1)
      }
      w += layer.paddedOutputs
    }
    let first = min(8, layer.outputs &- o)
    let second = wide ? min(8, layer.outputs &- o &- 8) : 0
    store(a.0, b.0, out.row(r) + o, first, second, relu)
    if rows > 1 { store(a.1, b.1, out.row(r &+ 1) + o, first, second, relu) }
    if rows > 2 { store(a.2, b.2, out.row(r &+ 2) + o, first, second, relu) }
    if rows > 3 { store(a.3, b.3, out.row(r &+ 3) + o, first, second, relu) }
  }

  /// Stores up to 16 outputs of one row (8 from `low`, `second` more from `high`).
  @inline(__always)
  private static func store(
    _ low: SIMD8<Float>, _ high: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>, _ first: Int, _ second: Int,
    _ relu: Bool
  ) {
    VectorMath.store(relu ? VectorMath.relu(low) : low, target, count: first)
    if second > 0 { VectorMath.store(relu ? VectorMath.relu(high) : high, target + 8, count: second) }
  }

  /// A layer with one output: per row a dot product of the inputs with the weight vector.
  @inline(__always)
  private static func denseSingleOutput(x: MatrixView, layer: PackedDense, rows: Int, out: MatrixView, relu: Bool) {
    let weights = layer.weights
    let vectors = layer.inputs & ~7
    for r in 0..<rows {
      let row = x.row(r)
      var acc = SIMD8<Float>()
      var i = 0
      while i < vectors {
        acc = VectorMath.multiplyAdd(acc, VectorMath.load(row + i), VectorMath.load(weights + i))
        i &+= 8
      }
      var sum = layer.bias[0] + VectorMath.sum(acc)
      while i < layer.inputs {
        sum = VectorMath.multiplyAdd(sum, row[i], weights[i])
        i &+= 1
      }
      out.row(r)[0] = relu && !(sum > 0) ? 0 : sum
    }
  }

  /// out[i] = table[ids[i]] decoded to float32, eight values at a time.
  @_optimize(speed)
  public static func embeddingLookup(_ table: TableView, ids: UnsafePointer<Int32>, count: Int, out: MatrixView) {
    let width = table.width
    let vectors = width & ~7
    for i in 0..<count {
      let row = out.row(i)
      guard let (source, encoding) = table.locate(Int(ids[i])) else {  // a pruned row reads as zeros
        row.update(repeating: 0, count: width)
        continue
      }
      switch encoding {
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
      case .rowWiseUInt4:
        decodeUInt4Row(source, width: width, into: row)
      case .float16:
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
    if width == 1 && out.isContiguous && a.rowIndices == nil && b.rowIndices == nil && a.rowStride <= 1 && b.rowStride <= 1 {
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
