// Recognizes the score shapes of the students — linear in item-table rows (the two-tower), plus
// at most one small MLP over an item row and a request vector (the DeepFM head) — so recommend
// can scan a prepacked catalog instead of interpreting the candidate ops chunk by chunk.

/// A score of the form Σ_k ⟨r_k, T_k[item]⟩ + Σ_m B_m[item] + Σ_c c (+ head): request vectors
/// r_k dotted with rows of item tables, width-1 item tables and request-stage constants, and
/// optionally one `Head`.
struct LinearScore {
  /// MLP(act(r + T[item])): dense layers over an item row plus a request vector, ending in one
  /// output — the DeepFM student's per-candidate layers once its item side is precomputed.
  struct Head {
    /// The DENSE ops, first to last.
    var layers: [Int]
    /// The item table whose row feeds the first layer.
    var table: Int
    /// A request-stage vector added to the row first, or -1.
    var request: Int
    /// Applied to the first layer's input.
    var activation: Activation
  }

  /// A request vector dotted with the item's row of a table.
  struct Dot {
    var request: Int
    var table: Int
  }

  var dots: [Dot] = []
  /// Width-1 tables whose item row is added to the score.
  var itemBiases: [Int] = []
  /// Request-stage [1, 1] values added to the score.
  var requestBiases: [Int] = []
  var head: Head?
  /// Room to collect a head's layers in (no more than the candidate ops).
  private var headLayers: [Int] = []

  /// The linear form of tensor `t`, or nil when `t` is computed any other way (an activation,
  /// a dense layer, a product of two candidate values, ...). Every ADD adds one term, so no
  /// list outgrows the candidate ops plus one: they get that capacity, reserved (`Fallible`).
  static func match(_ t: Int, in graph: ModelGraph) throws(RecLiteError) -> LinearScore? {
    var score = LinearScore()
    let terms = graph.candidateOps.count + 1
    try score.dots.fallibleReserveCapacity(terms, for: "the linear score")
    try score.itemBiases.fallibleReserveCapacity(terms, for: "the linear score")
    try score.requestBiases.fallibleReserveCapacity(terms, for: "the linear score")
    try score.headLayers.fallibleReserveCapacity(terms, for: "the linear score")
    return score.collect(t, graph) ? score : nil
  }

  private mutating func collect(_ t: Int, _ graph: ModelGraph) -> Bool {
    let tensor = graph.tensors[t]
    if tensor.stage == .request {
      guard tensor.width == 1 else { return false }
      requestBiases.append(t)
      return true
    }
    guard let index = graph.candidateOps.last(where: { graph.ops[$0].output == t }) else { return false }
    let op = graph.ops[index]
    guard op.activation == .none else { return false }
    switch op.code {
    case .dense:
      guard head == nil, let found = LinearScore.head(endingAt: index, graph, layers: &headLayers) else { return false }
      head = found
      return true
    case .add:
      return collect(graph.input(op, 0), graph) && collect(graph.input(op, 1), graph)
    case .embeddingLookup:
      guard let table = LinearScore.itemTable(of: index, graph), graph.tensors[t].width == 1 else { return false }
      itemBiases.append(table)
      return true
    case .dot:
      let (a, b) = (graph.input(op, 0), graph.input(op, 1))
      let (request, lookup) = graph.tensors[a].stage == .request ? (a, b) : (b, a)
      guard graph.tensors[request].stage == .request,
        let producer = graph.candidateOps.last(where: { graph.ops[$0].output == lookup }),
        graph.ops[producer].activation == .none,
        let table = LinearScore.itemTable(of: producer, graph)
      else { return false }
      dots.append(Dot(request: request, table: table))
      return true
    default:
      return false
    }
  }

  /// The head whose last layer is op `last`: dense (not CSR) layers back to an item row, alone
  /// or added to a request vector (with the ADD's activation), or nil. The layers are collected
  /// in `layers`, whose capacity (the candidate ops) they never outgrow.
  private static func head(endingAt last: Int, _ graph: ModelGraph, layers: inout [Int]) -> Head? {
    layers.removeAll(keepingCapacity: true)
    layers.append(last)
    var input = graph.input(graph.ops[last], 0)
    while true {
      guard graph.tensors[input].stage == .candidate,
        let producer = graph.candidateOps.last(where: { graph.ops[$0].output == input })
      else { return nil }
      let op = graph.ops[producer]
      switch op.code {
      case .dense:
        layers.insert(producer, at: 0)
        input = graph.input(op, 0)
        continue
      case .embeddingLookup:
        guard op.activation == .none, let table = itemTable(of: producer, graph) else { return nil }
        return head(layers, table: table, request: -1, activation: .none, graph)
      case .add:
        let (a, b) = (graph.input(op, 0), graph.input(op, 1))
        let (request, lookup) = graph.tensors[a].stage == .request ? (a, b) : (b, a)
        guard graph.tensors[request].stage == .request, op.activation == .none || op.activation == .relu,
          let lookupOp = graph.candidateOps.last(where: { graph.ops[$0].output == lookup }),
          graph.ops[lookupOp].activation == .none, let table = itemTable(of: lookupOp, graph)
        else { return nil }
        return head(layers, table: table, request: request, activation: op.activation, graph)
      default:
        return nil
      }
    }
  }

  private static func head(_ layers: [Int], table: Int, request: Int, activation: Activation, _ graph: ModelGraph) -> Head? {
    for layer in layers where graph.tensors[graph.input(graph.ops[layer], 1)].isSparse { return nil }
    return Head(layers: layers, table: table, request: request, activation: activation)
  }

  /// The table of an EMBEDDING_LOOKUP op indexed by the item feature, or nil.
  private static func itemTable(of index: Int, _ graph: ModelGraph) -> Int? {
    let op = graph.ops[index]
    guard op.code == .embeddingLookup,
      graph.input(op, 1) == graph.features[graph.itemFeature].input
    else { return nil }
    return graph.input(op, 0)
  }
}
