// What the runtime prepares once at open, beyond the verified graph, so requests run fast: the
// packed catalog of a linear score (the two-tower shape) and the packed weights of dense layers.
// Immutable and shared by every session of the model, like the graph.

final class ExecutionPlan {
  /// The rank output's packed catalog when it is a linear score, else nil (the candidate ops
  /// then run chunk by chunk).
  let catalog: PackedCatalog?

  /// Per op: the packed weights of a DENSE op with dense (not CSR) weights, else nil.
  let dense: [PackedDense?]

  init(_ graph: ModelGraph) throws(RecLiteError) {
    if graph.rankOutput >= 0, let linear = LinearScore.match(graph.rankOutput, in: graph) {
      catalog = try PackedCatalog(linear, graph: graph)
    } else {
      catalog = nil
    }
    var dense: [PackedDense?] = []
    dense.reserveCapacity(graph.ops.count)
    for op in graph.ops {
      guard op.code == .dense else {
        dense.append(nil)
        continue
      }
      let weight = graph.tensors[graph.input(op, 1)]
      let biasIndex = op.inputCount == 3 ? graph.input(op, 2) : -1
      guard !weight.isSparse, let view = WeightView(weight, rowOffsets: nil, columns: nil) else {
        dense.append(nil)
        continue
      }
      let bias = biasIndex >= 0 ? graph.tensors[biasIndex].data?.assumingMemoryBound(to: Float.self) : nil
      dense.append(try PackedDense(view, bias: bias))
    }
    self.dense = dense
  }

  /// Bytes the plan holds beyond the file (packed copies).
  var byteCount: Int {
    var total = catalog?.byteCount ?? 0
    for layer in dense { total += layer?.byteCount ?? 0 }
    return total
  }

  /// Arena bytes the plan needs beyond the graph's: the request vector of the packed catalog.
  var scratchBytes: Int { catalog.map { MemoryPlanner.alignUp($0.width * 4) } ?? 0 }
}
