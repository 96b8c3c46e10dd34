/// Embedding lookups and their backward passes over a row-major table `[rows][dim]`.
///
/// Forward copies rows into a strided output so several fields can be written side by side into
/// one concatenated feature matrix; backward adds the output gradient back into the same rows of a
/// gradient table and records which rows it touched (sparse updates).
public enum EmbeddingLayer {
  /// out[b, offset..<offset+dim] = table[rows[b]]; `stride` is the row length of `out`.
  public static func forward(
    table: [Float], dim: Int, rows: [Int32], count: Int,
    into out: inout [Float], stride: Int, offset: Int
  ) {
    table.withUnsafeBufferPointer { t in
      out.withUnsafeMutableBufferPointer { o in
        for b in 0..<count {
          (o.baseAddress! + b * stride + offset).update(from: t.baseAddress! + Int(rows[b]) * dim, count: dim)
        }
      }
    }
  }

  /// grad[rows[b]] += dOut[b, offset..<offset+dim].
  public static func backward(
    dOut: [Float], stride: Int, offset: Int, dim: Int, rows: [Int32], count: Int,
    grad: inout [Float], touched: inout TouchedRows
  ) {
    dOut.withUnsafeBufferPointer { d in
      grad.withUnsafeMutableBufferPointer { g in
        for b in 0..<count {
          let row = Int(rows[b])
          touched.insert(row)
          addRow(d.baseAddress! + b * stride + offset, into: g.baseAddress! + row * dim, dim, scale: nil)
        }
      }
    }
  }
}

/// Mean-pooled embedding bag (for the multi-valued genre field): the bag of row `b` is
/// `bagRows[bagOffsets[bags[b]]..<bagOffsets[bags[b]+1]]`. An empty bag gives the zero vector and
/// no gradient (the runtime's EMBEDDING_BAG mean with zero ids does the same).
public enum EmbeddingBagLayer {
  public static func forward(
    table: [Float], dim: Int, bagOffsets: [Int32], bagRows: [Int32], bags: [Int32], count: Int,
    into out: inout [Float], stride: Int, offset: Int
  ) {
    table.withUnsafeBufferPointer { t in
      out.withUnsafeMutableBufferPointer { o in
        for b in 0..<count {
          let bag = Int(bags[b])
          let start = Int(bagOffsets[bag]), end = Int(bagOffsets[bag + 1])
          let dst = o.baseAddress! + b * stride + offset
          dst.update(repeating: 0, count: dim)
          guard end > start else { continue }
          for k in start..<end { addRow(t.baseAddress! + Int(bagRows[k]) * dim, into: dst, dim, scale: nil) }
          let scale = 1 / Float(end - start)
          for j in 0..<dim { dst[j] *= scale }
        }
      }
    }
  }

  /// Each member row receives dOut / bagSize.
  public static func backward(
    dOut: [Float], stride: Int, offset: Int, dim: Int, bagOffsets: [Int32], bagRows: [Int32],
    bags: [Int32], count: Int, grad: inout [Float], touched: inout TouchedRows
  ) {
    dOut.withUnsafeBufferPointer { d in
      grad.withUnsafeMutableBufferPointer { g in
        for b in 0..<count {
          let bag = Int(bags[b])
          let start = Int(bagOffsets[bag]), end = Int(bagOffsets[bag + 1])
          guard end > start else { continue }
          let scale = 1 / Float(end - start)
          let src = d.baseAddress! + b * stride + offset
          for k in start..<end {
            let row = Int(bagRows[k])
            touched.insert(row)
            addRow(src, into: g.baseAddress! + row * dim, dim, scale: scale)
          }
        }
      }
    }
  }
}

/// dst[j] += src[j] (or += scale·src[j]) for j < n, eight at a time: lanes are distinct
/// elements, each getting the scalar loop's multiply and add (never fused).
@inline(__always)
func addRow(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ n: Int, scale: Float?) {
  var j = 0
  if let scale {
    let s8 = SIMD8(repeating: scale)
    while j + 8 <= n {
      Kernels.store8(Kernels.load8(dst + j) + s8 * Kernels.load8(src + j), dst + j)
      j += 8
    }
    while j < n {
      dst[j] += scale * src[j]
      j += 1
    }
  } else {
    while j + 8 <= n {
      Kernels.store8(Kernels.load8(dst + j) + Kernels.load8(src + j), dst + j)
      j += 8
    }
    while j < n {
      dst[j] += src[j]
      j += 1
    }
  }
}
