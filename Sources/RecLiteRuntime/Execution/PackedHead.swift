// The runtime side of a score's head (`LinearScore.Head`): the item row plus the request vector,
// then the packed dense layers, run for up to 8 candidates at a time in the session's scratch —
// the same kernels the candidate ops use, without a trip through the arena per op.

final class PackedHead {
  /// Candidates run together (one SIMD8 lane of the block's scores each).
  static let lanes = 8

  let table: TableView
  /// Reads the table's rows in place (float32, no remap) instead of decoding them.
  let inPlace: Bool
  /// Request-stage vector added to the item row, or -1.
  let request: Int
  let activation: Activation
  let layers: [(layer: PackedDense, relu: Bool)]
  /// Floats per row of the widest buffer (the table width or a hidden layer's outputs).
  private let widest: Int

  /// The head's table and packed layers. (A convenience init: what can fail runs before the
  /// object exists — see OwnedMemory.swift.)
  convenience init(_ head: LinearScore.Head, graph: ModelGraph, dense: [PackedDense?]) throws(RecLiteError) {
    guard let table = TableView(table: head.table, in: graph) else {
      throw RecLiteError(.internalError, "a verified head table has no data")
    }
    var layers: [(layer: PackedDense, relu: Bool)] = []
    try layers.fallibleReserveCapacity(head.layers.count, for: "the packed head")
    for index in head.layers {
      guard let packed = dense[index] else { throw RecLiteError(.internalError, "a head layer was not packed") }
      layers.append((packed, graph.ops[index].activation == .relu))
    }
    try Fallible.reserveObject(for: "the packed head")
    self.init(head, table: table, layers: layers)
  }

  private init(_ head: LinearScore.Head, table: TableView, layers: [(layer: PackedDense, relu: Bool)]) {
    self.table = table
    inPlace = table.encoding == .float32 && table.remap == nil && table.split == nil
    request = head.request
    activation = head.activation
    self.layers = layers
    var widest = table.width
    for (layer, _) in layers { widest = max(widest, layer.outputs) }
    self.widest = widest
  }

  /// Scratch floats the head needs: two buffers of 8 rows of the widest width.
  var scratchFloats: Int { 2 * PackedHead.lanes * widest }

  /// The head's output for candidates with item rows `rows[0..<count]` (count ≤ 8; other lanes
  /// 0). `request` is the request vector (nil without one); `scratch` holds `scratchFloats`.
  @_optimize(speed)
  func scores(
    rows: UnsafePointer<Int32>, count: Int, request: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>
  ) -> SIMD8<Float> {
    var current = scratch
    var next = scratch + PackedHead.lanes * widest
    let width = table.width
    let input = MatrixView(base: current, width: width, rowStride: width)
    var item = input
    if inPlace {
      item = MatrixView(base: UnsafeMutablePointer(mutating: table.data.assumingMemoryBound(to: Float.self)), width: width, rowStride: width, rowIndices: rows)
    } else {
      OptimizedKernels.embeddingLookup(table, ids: rows, count: count, out: input)
    }
    if let request {
      let broadcast = MatrixView(base: UnsafeMutablePointer(mutating: request), width: width, rowStride: 0)
      OptimizedKernels.elementwise(broadcast, item, rows: count, out: input, product: false, relu: activation == .relu)
    } else if inPlace || activation == .relu {
      OptimizedKernels.copy(item, rows: count, out: input)
      if activation == .relu { Kernels.activate(.relu, rows: count, out: input) }
    }
    var x = input
    for (layer, relu) in layers {
      let out = MatrixView(base: next, width: layer.outputs, rowStride: layer.outputs)
      OptimizedKernels.packedDense(x: x, layer: layer, rows: count, out: out, relu: relu)
      x = out
      swap(&current, &next)
    }
    var result = SIMD8<Float>()
    for lane in 0..<count { result[lane] = x.row(lane)[0] }
    return result
  }
}
