// What the runtime prepares once at open, beyond the verified graph, so requests run fast: the
// packed catalog of a linear score (the two-tower shape) and the packed weights of dense layers.
// Immutable and shared by every session of the model, like the graph.

final class ExecutionPlan {
  /// The rank output's packed catalog when it is a linear score, else nil (the candidate ops
  /// then run chunk by chunk).
  let catalog: PackedCatalog?

  /// Per op: the packed weights of a DENSE op with dense (not CSR) weights, else nil.
  let dense: [PackedDense?]
  /// Per op: the packed weights of a DENSE op with CSR weights (SparseKernels), else nil.
  let sparse: [PackedSparse?]
  /// Per tensor: the lookup op whose output it is when that lookup is read in place (a float32
  /// table without a row remap: its rows are the output's rows, so nothing is copied), else -1.
  let inPlaceLookup: [Int]

  /// Packs what the graph's ops need. (A convenience init: what can fail runs before the object
  /// exists — see OwnedMemory.swift; and each Swift allocation is reserved first, as opening a
  /// model runs in a fallible section — see Fallible.swift.)
  convenience init(_ graph: ModelGraph) throws(RecLiteError) {
    var dense: [PackedDense?] = []
    var sparse: [PackedSparse?] = []
    try dense.fallibleReserveCapacity(graph.ops.count, for: "the packed dense layers")
    try sparse.fallibleReserveCapacity(graph.ops.count, for: "the packed sparse layers")
    for op in graph.ops {
      dense.append(nil)
      sparse.append(nil)
      guard op.code == .dense else { continue }
      let weight = graph.tensors[graph.input(op, 1)]
      let biasIndex = op.inputCount == 3 ? graph.input(op, 2) : -1
      let bias = biasIndex >= 0 ? graph.tensors[biasIndex].data?.assumingMemoryBound(to: Float.self) : nil
      if weight.isSparse {
        guard let view = WeightView(
          weight, rowOffsets: graph.tensors[weight.sparseRowOffsets], columns: graph.tensors[weight.sparseColumnIndices])
        else { continue }
        sparse[sparse.count - 1] = try PackedSparse(view, bias: bias)
      } else if let view = WeightView(weight, rowOffsets: nil, columns: nil) {
        dense[dense.count - 1] = try PackedDense(view, bias: bias)
      }
    }
    var catalog: PackedCatalog? = nil
    if graph.rankOutput >= 0, let linear = try LinearScore.match(graph.rankOutput, in: graph) {
      catalog = try PackedCatalog(linear, graph: graph, dense: dense)
    }
    var indexes: [ValueIndex?] = []
    try indexes.fallibleReserveCapacity(graph.features.count, for: "the feature indexes")
    for feature in graph.features { indexes.append(try ValueIndex.make(feature)) }
    // The plan, and the two per-tensor tables its init fills.
    try Fallible.reserveObject(for: "the execution plan")
    for _ in 0..<2 { try Fallible.reserveArray(of: Int.self, count: graph.tensors.count, for: "the execution plan") }
    self.init(graph, dense: dense, sparse: sparse, catalog: catalog, indexes: indexes)
  }

  private init(
    _ graph: ModelGraph, dense: [PackedDense?], sparse: [PackedSparse?], catalog: PackedCatalog?, indexes: [ValueIndex?]
  ) {
    self.dense = dense
    self.sparse = sparse
    self.catalog = catalog
    self.indexes = indexes
    inPlaceLookup = ExecutionPlan.inPlaceLookups(graph)
    catalogScratchOffset = MemoryPlanner.alignUp((catalog?.width ?? 0) * 4)
    itemRowsOffset = catalogScratchOffset + MemoryPlanner.alignUp(catalog?.scratchBytes ?? 0)
    featureRowsOffset = itemRowsOffset + MemoryPlanner.alignUp(graph.maxBatch * 4)
    sparseScratchOffset = featureRowsOffset + MemoryPlanner.alignUp(graph.features.count * 4)
    var sparseScratch = 0
    for layer in sparse { sparseScratch = max(sparseScratch, layer?.scratchFloats ?? 0) }
    scratchBytes = sparseScratchOffset + MemoryPlanner.alignUp(sparseScratch * 4)
    features = graph.features
    var featureOfInput = [Int](repeating: -1, count: graph.tensors.count)
    for (index, feature) in graph.features.enumerated() { featureOfInput[feature.input] = index }
    self.featureOfInput = featureOfInput
  }

  /// See `inPlaceLookup`. The score and rank outputs are always computed into the arena, where
  /// the session reads them.
  private static func inPlaceLookups(_ graph: ModelGraph) -> [Int] {
    var producers = [Int](repeating: -1, count: graph.tensors.count)
    for (index, op) in graph.ops.enumerated() where op.code == .embeddingLookup && op.activation == .none {
      let table = graph.tensors[graph.input(op, 0)]
      guard table.type == .float32, table.quantization.kind == .none, table.rowRemap < 0, table.splitTable < 0,
        op.output != graph.scoreOutput, op.output != graph.rankOutput
      else { continue }
      producers[op.output] = index
    }
    return producers
  }

  /// Row of raw value `value` of feature `feature`, or nil when unknown (the vocabulary's
  /// hash index when it has one, else the binary search).
  @inline(__always)
  func row(of value: Int64, feature: Int) -> Int? {
    if let index = indexes[feature] { return index.row(of: value) }
    return features[feature].row(of: value)
  }

  /// Row of a raw value; unknown values map to the feature's out-of-vocabulary row.
  @inline(__always)
  func rowOrOOV(of value: Int64, feature: Int) -> Int {
    row(of: value, feature: feature) ?? features[feature].oovRow
  }

  /// Bytes the plan holds beyond the file (packed copies).
  var byteCount: Int {
    var total = catalog?.byteCount ?? 0
    for layer in dense { total += layer?.byteCount ?? 0 }
    for layer in sparse { total += layer?.byteCount ?? 0 }
    return total
  }

  /// The plan's values in the session arena's scratch (offsets from its start): the packed
  /// catalog's request vector and its own scratch (the head's buffers), then a copy of the chunk's item rows and of each feature's row —
  /// the ids that in-place lookups index with. They live apart from the graph's own input
  /// tensors because a consumer of an in-place lookup reads them after the memory plan has let
  /// those inputs go.
  let catalogScratchOffset: Int
  let itemRowsOffset: Int
  let featureRowsOffset: Int
  /// The sparse kernel's transposed block of input rows (the widest CSR layer's).
  let sparseScratchOffset: Int
  let scratchBytes: Int
  /// Per tensor: the feature whose input it is, or -1.
  let featureOfInput: [Int]
  /// Per feature: a hash index of its vocabulary (nil for identity features).
  private let indexes: [ValueIndex?]
  private let features: [FeatureInfo]
}
