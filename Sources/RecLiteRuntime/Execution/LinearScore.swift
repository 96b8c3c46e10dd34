// Recognizes scores that are linear in item-table rows — the two-tower shape — so recommend
// can scan a prepacked catalog instead of interpreting the candidate ops chunk by chunk.

/// A score of the form Σ_k ⟨r_k, T_k[item]⟩ + Σ_m B_m[item] + Σ_c c: request vectors r_k dotted
/// with rows of item tables, plus width-1 item tables and request-stage constants.
struct LinearScore {
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

  /// The linear form of tensor `t`, or nil when `t` is computed any other way (an activation,
  /// a dense layer, a product of two candidate values, ...).
  static func match(_ t: Int, in graph: ModelGraph) -> LinearScore? {
    var score = LinearScore()
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
    case .add:
      return collect(graph.input(op, 0), graph) && collect(graph.input(op, 1), graph)
    case .embeddingLookup:
      guard let table = itemTable(of: index, graph), graph.tensors[t].width == 1 else { return false }
      itemBiases.append(table)
      return true
    case .dot:
      let (a, b) = (graph.input(op, 0), graph.input(op, 1))
      let (request, lookup) = graph.tensors[a].stage == .request ? (a, b) : (b, a)
      guard graph.tensors[request].stage == .request,
        let producer = graph.candidateOps.last(where: { graph.ops[$0].output == lookup }),
        graph.ops[producer].activation == .none,
        let table = itemTable(of: producer, graph)
      else { return false }
      dots.append(Dot(request: request, table: table))
      return true
    default:
      return false
    }
  }

  /// The table of an EMBEDDING_LOOKUP op indexed by the item feature, or nil.
  private func itemTable(of index: Int, _ graph: ModelGraph) -> Int? {
    let op = graph.ops[index]
    guard op.code == .embeddingLookup,
      graph.input(op, 1) == graph.features[graph.itemFeature].input
    else { return nil }
    return graph.input(op, 0)
  }
}
