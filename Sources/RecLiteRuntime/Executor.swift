// Runs a list of ops over the arena: request ops once with one row, candidate
// ops once per chunk with up to `maxBatch` rows. Every size used here was
// checked when the model was opened; nothing is allocated.

struct Executor {
  let graph: ModelGraph
  let plan: ExecutionPlan
  /// The session arena, aligned to 64 bytes.
  let arena: UnsafeMutableRawPointer

  /// The execution plan's scratch in the arena (see `ExecutionPlan.scratchBytes`).
  var scratch: UnsafeMutableRawPointer { arena + graph.scratchOffset }

  /// Sets a request feature's row: in its graph input and in the scratch copy.
  @inline(__always)
  func setRow(_ row: Int, of feature: Int) {
    let value = Int32(truncatingIfNeeded: row)
    ints(graph.features[feature].input)[0] = value
    (scratch + plan.featureRowsOffset).assumingMemoryBound(to: Int32.self)[feature] = value
  }

  /// Sets candidate i's item row: in the item input and in the scratch copy.
  @inline(__always)
  func setItemRow(_ row: Int, at i: Int) {
    let value = Int32(truncatingIfNeeded: row)
    ints(graph.features[graph.itemFeature].input)[i] = value
    (scratch + plan.itemRowsOffset).assumingMemoryBound(to: Int32.self)[i] = value
  }

  @inline(__always)
  func floats(_ t: Int) -> UnsafeMutablePointer<Float> {
    (arena + graph.tensors[t].arenaOffset).assumingMemoryBound(to: Float.self)
  }

  @inline(__always)
  func ints(_ t: Int) -> UnsafeMutablePointer<Int32> {
    (arena + graph.tensors[t].arenaOffset).assumingMemoryBound(to: Int32.self)
  }

  /// An activation as a matrix; request-stage values broadcast their single row. The output of
  /// a lookup read in place is a view of the table's rows.
  @inline(__always)
  func matrix(_ t: Int) -> MatrixView {
    let tensor = graph.tensors[t]
    let lookup = plan.inPlaceLookup[t]
    guard lookup >= 0 else {
      return MatrixView(base: floats(t), width: tensor.width, rowStride: tensor.stage == .candidate ? tensor.width : 0)
    }
    let op = graph.ops[lookup]
    // A constant's data is never written: kernels only read their inputs.
    guard let data = graph.tensors[graph.input(op, 0)].data else { return MatrixView(base: floats(t), width: tensor.width, rowStride: 0) }
    let table = UnsafeMutablePointer(mutating: data.assumingMemoryBound(to: Float.self))
    let feature = plan.featureOfInput[graph.input(op, 1)]
    if tensor.stage == .candidate {
      let rows = (scratch + plan.itemRowsOffset).assumingMemoryBound(to: Int32.self)
      return MatrixView(base: table, width: tensor.width, rowStride: tensor.width, rowIndices: UnsafePointer(rows))
    }
    let row = (scratch + plan.featureRowsOffset).assumingMemoryBound(to: Int32.self)[feature]
    return MatrixView(base: table + Int(row) &* tensor.width, width: tensor.width, rowStride: 0)
  }

  @inline(__always)
  func constantInt32(_ t: Int) -> UnsafePointer<Int32>? {
    graph.tensors[t].data?.assumingMemoryBound(to: Int32.self)
  }

  func table(_ t: Int) -> TableView? {
    TableView(table: t, in: graph)
  }

  func weight(_ t: Int) -> WeightView? {
    let tensor = graph.tensors[t]
    return WeightView(
      tensor,
      rowOffsets: tensor.isSparse ? graph.tensors[tensor.sparseRowOffsets] : nil,
      columns: tensor.isSparse ? graph.tensors[tensor.sparseColumnIndices] : nil)
  }

  /// Runs `ops` (indices into the graph) for `rows` rows.
  func run(_ ops: [Int], rows: Int) throws(RecLiteError) {
    for index in ops {
      try run(op: index, rows: rows)
    }
  }

  private func run(op index: Int, rows: Int) throws(RecLiteError) {
    let op = graph.ops[index]
    if op.output >= 0 && plan.inPlaceLookup[op.output] == index { return }  // read in place by its consumers
    let out = matrix(op.output)
    switch op.code {
    case .embeddingLookup:
      guard let table = table(graph.input(op, 0)) else { throw Executor.broken(index) }
      OptimizedKernels.embeddingLookup(table, ids: ints(graph.input(op, 1)), count: rows, out: out)
    case .embeddingBag:
      guard let table = table(graph.input(op, 0)), let offsets = constantInt32(graph.input(op, 2)),
        let values = constantInt32(graph.input(op, 3))
      else { throw Executor.broken(index) }
      ReferenceKernels.embeddingBag(
        table, ids: ints(graph.input(op, 1)), count: rows, offsets: offsets, values: values,
        mode: op.bagMode, out: out)
    case .dense:
      if let packed = plan.dense[index] {
        // The packed kernel applies ReLU itself.
        OptimizedKernels.packedDense(x: matrix(graph.input(op, 0)), layer: packed, rows: rows, out: out, relu: op.activation == .relu)
        if op.activation == .relu { return }
      } else if let sparse = plan.sparse[index] {
        let buffer = (scratch + plan.sparseScratchOffset).assumingMemoryBound(to: Float.self)
        OptimizedKernels.sparseDense(
          x: matrix(graph.input(op, 0)), layer: sparse, rows: rows, out: out, relu: op.activation == .relu, scratch: buffer)
        if op.activation == .relu { return }
      } else {
        guard let weight = weight(graph.input(op, 1)) else { throw Executor.broken(index) }
        let biasIndex = op.inputCount == 3 ? graph.input(op, 2) : -1
        let bias = biasIndex >= 0 ? graph.tensors[biasIndex].data?.assumingMemoryBound(to: Float.self) : nil
        ReferenceKernels.dense(x: matrix(graph.input(op, 0)), weight: weight, bias: bias, rows: rows, out: out)
      }
    case .concat:
      var column = 0
      for position in 0..<op.inputCount {
        let input = matrix(graph.input(op, position))
        let target = MatrixView(base: out.base + column, width: input.width, rowStride: out.rowStride)
        OptimizedKernels.copy(input, rows: rows, out: target)
        column += input.width
      }
    case .add, .mul:
      // The kernel applies ReLU itself.
      OptimizedKernels.elementwise(
        matrix(graph.input(op, 0)), matrix(graph.input(op, 1)), rows: rows, out: out, product: op.code == .mul,
        relu: op.activation == .relu)
      if op.activation == .relu { return }
    case .dot:
      OptimizedKernels.dot(matrix(graph.input(op, 0)), matrix(graph.input(op, 1)), rows: rows, out: out)
    case .fmInteraction:
      Kernels.fmInteraction(fieldCount: op.inputCount, field: { matrix(graph.input(op, $0)) }, rows: rows, out: out)
    case .sigmoid:
      ReferenceKernels.copy(matrix(graph.input(op, 0)), rows: rows, out: out)
      ReferenceKernels.activate(.sigmoid, rows: rows, out: out)
    case .topK:
      return  // handled by the session's recommend loop
    }
    Kernels.activate(op.activation, rows: rows, out: out)
  }

  static func broken(_ op: Int) -> RecLiteError {
    RecLiteError(.internalError, "op \(op): a verified constant has no data")
  }
}
