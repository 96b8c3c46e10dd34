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
          let src = Int(rows[b]) * dim, dst = b * stride + offset
          for j in 0..<dim { o[dst + j] = t[src + j] }
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
          let dst = row * dim, src = b * stride + offset
          for j in 0..<dim { g[dst + j] += d[src + j] }
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
          let dst = b * stride + offset
          for j in 0..<dim { o[dst + j] = 0 }
          guard end > start else { continue }
          for k in start..<end {
            let src = Int(bagRows[k]) * dim
            for j in 0..<dim { o[dst + j] += t[src + j] }
          }
          let scale = 1 / Float(end - start)
          for j in 0..<dim { o[dst + j] *= scale }
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
          let src = b * stride + offset
          for k in start..<end {
            let row = Int(bagRows[k])
            touched.insert(row)
            let dst = row * dim
            for j in 0..<dim { g[dst + j] += scale * d[src + j] }
          }
        }
      }
    }
  }
}
