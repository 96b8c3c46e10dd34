/// Shape of a DeepFM-style ranker (the pipeline's teacher and student shapes are in
/// `PipelineDefaults`).
public struct DeepFMConfig: Sendable, Codable, Equatable {
  public var dim: Int
  public var hidden: [Int]
  public init(dim: Int, hidden: [Int]) {
    self.dim = dim
    self.hidden = hidden
  }
}

/// DeepFM-style ranker over four fields: user id, item id, genres (mean bag) and year bucket —
/// plus, for an event log, one field per context column of the request (`requests`: the rows the
/// model scores are then request rows, each a user and its context rows):
///
///   logit = globalBias + (userLinear[u] + itemLinear[i] + mean_g genreLinear[g] + yearLinear[y]
///                         + Σ_f contextLinear[f][c_f])
///         + FM(v_u, v_i, v_g, v_y, v_c1, …) + MLP(concat(v_u, v_i, v_g, v_y, v_c1, …))
///
/// with v_g the mean of the item's genre rows (zero for an empty bag) and
/// FM = ½ Σ_j((Σ_f v_fj)² − Σ_f v_fj²); the logit gains ⟨p_u, q_i⟩ when ALS factors are fused
/// in (`FusedFactors`). The MLP is `(4 + C)·dim → hidden… → 1` for C context fields, ReLU after
/// every hidden layer, none after the last.
///
/// Parameter layouts (all row-major `[Float]`; row = dense index, OOV row last):
/// - `userEmbedding`  `[userCount+1][dim]`,  `itemEmbedding` `[itemCount+1][dim]`,
///   `genreEmbedding` `[genreCount+1][dim]`, `yearEmbedding` `[yearBucketCount+1][dim]`
/// - `userLinear` `[userCount+1]`, `itemLinear` `[itemCount+1]`, `genreLinear` `[genreCount+1]`,
///   `yearLinear` `[yearBucketCount+1]`, `globalBias` `[1]`
/// - `contextEmbedding[f]` `[contextSizes[f]+1][dim]`, `contextLinear[f]` `[contextSizes[f]+1]`
/// - `mlp[l].weight` `[out][in]`, `mlp[l].bias` `[out]`; `mlp[0].weight` has `in = (4 + C)·dim`
///   with columns in concat order user, item, genres, year, context fields: columns `0..<dim` and
///   `4·dim..<(4+C)·dim` are the request block (computed once per request), `dim..<4·dim` the
///   item block (precomputable per item).
public struct DeepFM: TrainableModel {
  public internal(set) var config: DeepFMConfig
  public let userCount: Int
  public let itemCount: Int
  /// Item feature rows (genre bags, year buckets) for items `0...itemCount`.
  public internal(set) var features: ItemFeatures
  /// The request rows for data with context; nil when rows are user rows.
  public let requests: RequestFeatures?

  public var userEmbedding: [Float]
  public var itemEmbedding: [Float]
  public var genreEmbedding: [Float]
  public var yearEmbedding: [Float]
  public var userLinear: [Float]
  public var itemLinear: [Float]
  public var genreLinear: [Float]
  public var yearLinear: [Float]
  public var globalBias: [Float]
  public var mlp: [Dense]
  public var contextEmbedding: [[Float]]
  public var contextLinear: [[Float]]
  /// A frozen ALS term fused in after training (`fusing(_:share:logits:)`); not trained, not a slot.
  public var fusedFactors: FusedFactors? = nil

  public var dim: Int { config.dim }
  public var genreRows: Int { features.genreCount + 1 }
  public var yearRows: Int { features.yearBucketCount + 1 }
  /// Fields of the FM and the MLP input: user, item, genres, year and the context fields.
  public var fieldCount: Int { 4 + (requests?.fieldCount ?? 0) }

  /// Embeddings ~ N(0, 0.05²) (small so the FM term starts near zero), linear terms zero,
  /// MLP He-normal, all from `seed`.
  public init(
    config: DeepFMConfig, userCount: Int, itemCount: Int, features: ItemFeatures, requests: RequestFeatures? = nil,
    seed: UInt64
  ) {
    self.config = config
    self.userCount = userCount
    self.itemCount = itemCount
    self.features = features
    self.requests = requests
    var random = SeededRandom(seed: seed, stream: 0xDEE9)
    let d = config.dim
    (userEmbedding, itemEmbedding, genreEmbedding, yearEmbedding) = FieldTables.random(
      userCount: userCount, itemCount: itemCount, features: features, width: d, std: 0.05, random: &random)
    userLinear = [Float](repeating: 0, count: userCount + 1)
    itemLinear = [Float](repeating: 0, count: itemCount + 1)
    genreLinear = [Float](repeating: 0, count: features.genreCount + 1)
    yearLinear = [Float](repeating: 0, count: features.yearBucketCount + 1)
    globalBias = [0]
    var layers: [Dense] = []
    var inputs = (4 + (requests?.fieldCount ?? 0)) * d
    for width in config.hidden {
      layers.append(Dense(inputs: inputs, outputs: width, random: &random))
      inputs = width
    }
    layers.append(Dense(inputs: inputs, outputs: 1, random: &random, gain: 1))
    mlp = layers
    contextEmbedding = ContextTables.random(requests, width: d, std: 0.05, random: &random)
    contextLinear = ContextTables.zeros(requests, width: 1)
  }

  public var parameterSlots: [ParameterSlot<DeepFM>] {
    let d = dim
    var slots = FieldTables.slots(
      \DeepFM.userEmbedding, \.itemEmbedding, \.genreEmbedding, \.yearEmbedding, userCount: userCount, itemCount: itemCount,
      features: features, width: d)
    slots += [
      .init(name: "user_linear", shape: [userCount + 1], path: \.userLinear, sparseRowWidth: 1, decays: true),
      .init(name: "item_linear", shape: [itemCount + 1], path: \.itemLinear, sparseRowWidth: 1, decays: true),
      .init(name: "genre_linear", shape: [genreRows], path: \.genreLinear, sparseRowWidth: 1, decays: true),
      .init(name: "year_linear", shape: [yearRows], path: \.yearLinear, sparseRowWidth: 1, decays: true),
      .init(name: "global_bias", shape: [1], path: \.globalBias, sparseRowWidth: nil, decays: false),
    ]
    for (l, layer) in mlp.enumerated() {
      slots.append(.init(name: "mlp\(l)_weight", shape: [layer.outputs, layer.inputs], path: \.mlp[l].weight, sparseRowWidth: nil, decays: true))
      slots.append(.init(name: "mlp\(l)_bias", shape: [layer.outputs], path: \.mlp[l].bias, sparseRowWidth: nil, decays: false))
    }
    slots += ContextTables.slots(\DeepFM.contextEmbedding, name: "context_embedding", requests: requests, width: d)
    slots += ContextTables.slots(\DeepFM.contextLinear, name: "context_linear", requests: requests, width: 1)
    return slots
  }

  // Slot indices used by backward to record touched rows (order of `parameterSlots`).
  private enum Slot {
    static let user = 0, item = 1, genre = 2, year = 3
    static let userLinear = 4, itemLinear = 5, genreLinear = 6, yearLinear = 7
  }
  /// Slot of context field f's embedding; its linear term follows the C embeddings.
  private var contextSlot: Int { 9 + 2 * mlp.count }

  public struct Workspace {
    var batch = RequestBatch()
    var years: [Int32] = []
    var activations: [[Float]] = [[]]
    var linear: [Float] = []
    var fm: [Float] = []
  }

  public func makeWorkspace() -> Workspace { Workspace() }

  public func forward(
    users rows: [Int32], items: [Int32], count: Int, workspace ws: inout Workspace, logits: inout [Float]
  ) {
    let d = dim, width = fieldCount * d
    ws.batch.resolve(requests, rows: rows, count: count)
    let users = ws.batch.users
    if ws.activations[0].count < count * width {
      ws.activations[0] = [Float](repeating: 0, count: count * width)
    }
    if ws.years.count < count {
      ws.years = [Int32](repeating: 0, count: count)
      ws.linear = [Float](repeating: 0, count: count)
      ws.fm = [Float](repeating: 0, count: count)
    }
    for b in 0..<count { ws.years[b] = features.yearBucket[Int(items[b])] }
    EmbeddingLayer.forward(table: userEmbedding, dim: d, rows: users, count: count, into: &ws.activations[0], stride: width, offset: 0)
    ItemFields.embed(
      item: itemEmbedding, genre: genreEmbedding, year: yearEmbedding, dim: d, features: features,
      rows: Array(items[0..<count]), into: &ws.activations[0], stride: width, offset: d)

    // First-order terms are 1-wide embeddings: reuse the same layers with dim 1.
    var part = [Float](repeating: 0, count: count)
    EmbeddingLayer.forward(table: userLinear, dim: 1, rows: users, count: count, into: &ws.linear, stride: 1, offset: 0)
    EmbeddingLayer.forward(table: itemLinear, dim: 1, rows: items, count: count, into: &part, stride: 1, offset: 0)
    for b in 0..<count { ws.linear[b] += part[b] }
    EmbeddingBagLayer.forward(
      table: genreLinear, dim: 1, bagOffsets: features.genreOffsets, bagRows: features.genreRows,
      bags: items, count: count, into: &part, stride: 1, offset: 0)
    for b in 0..<count { ws.linear[b] += part[b] }
    EmbeddingLayer.forward(table: yearLinear, dim: 1, rows: ws.years, count: count, into: &part, stride: 1, offset: 0)
    for b in 0..<count { ws.linear[b] += part[b] + globalBias[0] }
    for (f, rows) in ws.batch.context.enumerated() {
      EmbeddingLayer.forward(
        table: contextEmbedding[f], dim: d, rows: rows, count: count, into: &ws.activations[0], stride: width, offset: (4 + f) * d)
      EmbeddingLayer.forward(table: contextLinear[f], dim: 1, rows: rows, count: count, into: &part, stride: 1, offset: 0)
      for b in 0..<count { ws.linear[b] += part[b] }
    }

    FMInteraction.forward(ws.activations[0], stride: width, offset: 0, fields: fieldCount, dim: d, count: count, into: &ws.fm)
    MLP.forward(mlp, batch: count, activations: &ws.activations)
    let out = ws.activations[mlp.count]
    if logits.count < count { logits = [Float](repeating: 0, count: count) }
    for b in 0..<count { logits[b] = ws.linear[b] + ws.fm[b] + out[b] }
    if let fused = fusedFactors {
      for b in 0..<count { logits[b] += fused.score(user: Int(users[b]), item: Int(items[b])) }
    }
  }

  public var parameterCount: Int { trainableParameterCount + (fusedFactors?.parameterCount ?? 0) }

  public func backward(
    dLogits: [Float], users rows: [Int32], items: [Int32], count: Int, workspace ws: inout Workspace,
    gradients g: inout DeepFM, touched: inout [TouchedRows]
  ) {
    let d = dim, width = fieldCount * d
    let users = ws.batch.users
    var total: Float = 0
    for b in 0..<count { total += dLogits[b] }
    g.globalBias[0] += total
    EmbeddingLayer.backward(dOut: dLogits, stride: 1, offset: 0, dim: 1, rows: users, count: count, grad: &g.userLinear, touched: &touched[Slot.userLinear])
    EmbeddingLayer.backward(dOut: dLogits, stride: 1, offset: 0, dim: 1, rows: items, count: count, grad: &g.itemLinear, touched: &touched[Slot.itemLinear])
    EmbeddingBagLayer.backward(
      dOut: dLogits, stride: 1, offset: 0, dim: 1, bagOffsets: features.genreOffsets, bagRows: features.genreRows,
      bags: items, count: count, grad: &g.genreLinear, touched: &touched[Slot.genreLinear])
    EmbeddingLayer.backward(dOut: dLogits, stride: 1, offset: 0, dim: 1, rows: ws.years, count: count, grad: &g.yearLinear, touched: &touched[Slot.yearLinear])

    var dX: [Float] = []
    MLP.backward(mlp, batch: count, activations: ws.activations, dOut: Array(dLogits[0..<count]), grads: &g.mlp, dInput: &dX)
    FMInteraction.backward(ws.activations[0], stride: width, offset: 0, fields: fieldCount, dim: d, count: count, dOut: dLogits, dx: &dX)
    let fields = ws.batch.context.count
    for (f, rows) in ws.batch.context.enumerated() {
      EmbeddingLayer.backward(
        dOut: dX, stride: width, offset: (4 + f) * d, dim: d, rows: rows, count: count, grad: &g.contextEmbedding[f],
        touched: &touched[contextSlot + f])
      EmbeddingLayer.backward(
        dOut: dLogits, stride: 1, offset: 0, dim: 1, rows: rows, count: count, grad: &g.contextLinear[f],
        touched: &touched[contextSlot + fields + f])
    }

    EmbeddingLayer.backward(dOut: dX, stride: width, offset: 0, dim: d, rows: users, count: count, grad: &g.userEmbedding, touched: &touched[Slot.user])
    EmbeddingLayer.backward(dOut: dX, stride: width, offset: d, dim: d, rows: items, count: count, grad: &g.itemEmbedding, touched: &touched[Slot.item])
    EmbeddingBagLayer.backward(
      dOut: dX, stride: width, offset: 2 * d, dim: d, bagOffsets: features.genreOffsets, bagRows: features.genreRows,
      bags: items, count: count, grad: &g.genreEmbedding, touched: &touched[Slot.genre])
    EmbeddingLayer.backward(dOut: dX, stride: width, offset: 3 * d, dim: d, rows: ws.years, count: count, grad: &g.yearEmbedding, touched: &touched[Slot.year])
  }

  public func makeScorer() -> any Scorer { DeepFMScorer(self) }
}
