// Format 2's mixed-precision embedding tables: a table whose stored rows are split between
// two tensors of the same width (say frequent rows as row-wise uint8, rare rows as row-wise
// uint4), each in row order, with a bitmap saying which part holds each row (a row remap, if
// any, maps logical rows to these stored rows first). The loader checks the parts and the
// bitmap and builds the bitmap's rank table, so a kernel finds any row's part and position
// with one popcount.

extension ModelLoader {
  /// Checks tensor `index`'s split part and row bitmap, and stores the rank table.
  mutating func checkSplitTable(_ index: Int) throws(RecLiteError) {
    let tensor = graph.tensors[index]
    let label = tensorLabel(index)
    guard tensor.splitTable >= 0 && tensor.rowSplit >= 0 else {
      throw RecLiteError(.badModel, "\(label): a mixed-precision table needs both a split table and a row bitmap")
    }
    try checkTablePart(index, of: index)
    let count = graph.tensors.count
    guard tensor.splitTable < count, tensor.splitTable != index else {
      throw RecLiteError(.badModel, "\(label): split table \(tensor.splitTable) is out of range or the table itself (have \(count))")
    }
    let part = graph.tensors[tensor.splitTable]
    guard part.splitTable < 0 && part.rowSplit < 0 && part.rowRemap < 0 else {
      throw RecLiteError(.badModel, "\(label): split table \(tensorLabel(tensor.splitTable)) is itself split or remapped")
    }
    try checkTablePart(tensor.splitTable, of: index)
    guard part.dims.1 == tensor.dims.1 else {
      throw RecLiteError(.badModel, "\(label): split table \(tensorLabel(tensor.splitTable)) is \(part.dims.1) wide, the table \(tensor.dims.1)")
    }
    // Both parts hold at most maxElements rows, so the sum cannot overflow; rows travel as Int32.
    let rows = tensor.dims.0 + part.dims.0
    guard rows < Int(Int32.max) else {
      throw RecLiteError(.badModel, "\(label): \(rows) stored rows is not below \(Int32.max)")
    }
    guard tensor.rowSplit < count else {
      throw RecLiteError(.badModel, "\(label): row bitmap \(tensor.rowSplit) out of range (have \(count))")
    }
    let bitmap = graph.tensors[tensor.rowSplit]
    let words = (rows + 63) / 64
    guard bitmap.isConstant, bitmap.rank == 1, bitmap.type == .uint8, bitmap.quantization.kind == .none,
      bitmap.dims.0 == words * 8, let bits = bitmap.data
    else {
      throw RecLiteError(
        .badModel, "\(label): row bitmap \(tensorLabel(tensor.rowSplit)) must be a constant uint8 vector of \(words * 8) bytes for \(rows) rows")
    }
    let rank = try derivedMemory().allocate(words, of: Int32.self, for: label)
    var set = 0
    for w in 0..<words {
      rank[w] = Int32(truncatingIfNeeded: set)
      var word = UInt64(littleEndian: bits.load(fromByteOffset: w * 8, as: UInt64.self))
      let valid = rows - w * 64
      if valid < 64 {
        guard word >> UInt64(valid) == 0 else {
          throw RecLiteError(.badModel, "\(label): row bitmap marks rows past the table's \(rows)")
        }
        word &= (UInt64(1) << UInt64(valid)) &- 1
      }
      set += word.nonzeroBitCount
    }
    guard set == part.dims.0 else {
      throw RecLiteError(
        .badModel, "\(label): row bitmap marks \(set) rows, split table \(tensorLabel(tensor.splitTable)) holds \(part.dims.0)")
    }
    graph.tensors[index].splitRank = UnsafePointer(rank)
  }

  /// A part of a mixed-precision table: a 2-D constant in a table encoding, dense, not remapped.
  private func checkTablePart(_ t: Int, of table: Int) throws(RecLiteError) {
    let part = graph.tensors[t]
    let plainFloat = (part.type == .float32 || part.type == .float16) && part.quantization.kind == .none
    guard part.isConstant, part.rank == 2, !part.isSparse, plainFloat || part.quantization.kind == .rowWise else {
      throw RecLiteError(
        .badModel, "\(tensorLabel(table)): part \(tensorLabel(t)) must be a 2-D float32, float16 or row-wise quantized constant")
    }
  }
}
