/// Shape of a two-tower student.
public struct TwoTowerConfig: Sendable, Codable, Equatable {
  /// Width of the user, item, genre and year embeddings.
  public var embeddingDim: Int
  /// Width of the final user and item vectors (the dot product).
  public var outputDim: Int
  /// Hidden widths of the user tower; with none and `embeddingDim == outputDim` the user vector is
  /// the embedding itself (no dense layer), otherwise a dense layer maps to `outputDim`.
  public var userHidden: [Int]
  /// Hidden widths of the item tower (input `3·embeddingDim`, output `outputDim`).
  public var itemHidden: [Int]
  public init(embeddingDim: Int, outputDim: Int, userHidden: [Int] = [], itemHidden: [Int] = []) {
    self.embeddingDim = embeddingDim
    self.outputDim = outputDim
    self.userHidden = userHidden
    self.itemHidden = itemHidden
  }
}

/// Two-tower ranker: logit = ⟨u, v⟩ + itemBias[i] + globalBias with
///   u = userTower(concat(userEmbedding[u], contextEmbedding[0][c_0], …))
///   v = itemTower(concat(itemEmbedding[i], mean genreEmbedding[g], yearEmbedding[y]))
/// Towers are dense stacks with ReLU between layers and none after the last. Context fields (for
/// an event log, whose rows are request rows, `requests`) go into the user — request — tower, so
/// the item side still depends only on the item and the exporter precomputes v and the bias for
/// the whole catalog.
///
/// Parameter layouts (row-major; OOV row last):
/// - `userEmbedding` `[userCount+1][e]`, `itemEmbedding` `[itemCount+1][e]`,
///   `genreEmbedding` `[genreCount+1][e]`, `yearEmbedding` `[yearBucketCount+1][e]`
/// - `userTower[l]`, `itemTower[l]`: weight `[out][in]`, bias `[out]`; `itemTower[0]` has
///   `in = 3·e` in concat order item, genres, year; `userTower[0]` has `in = (1 + C)·e` in concat
///   order user, context fields
/// - `contextEmbedding[f]` `[contextSizes[f]+1][e]`
/// - `itemBias` `[itemCount+1]`, `globalBias` `[1]`
public struct TwoTower: TrainableModel {
  public internal(set) var config: TwoTowerConfig
  public let userCount: Int
  public let itemCount: Int
  public internal(set) var features: ItemFeatures
  /// The request rows for data with context; nil when rows are user rows.
  public let requests: RequestFeatures?

  public var userEmbedding: [Float]
  public var itemEmbedding: [Float]
  public var genreEmbedding: [Float]
  public var yearEmbedding: [Float]
  public var userTower: [Dense]
  public var itemTower: [Dense]
  public var itemBias: [Float]
  public var globalBias: [Float]
  public var contextEmbedding: [[Float]]

  /// Width of the request tower's input: the user's and the context fields' embeddings.
  public var requestWidth: Int { (1 + (requests?.fieldCount ?? 0)) * config.embeddingDim }

  public init(
    config: TwoTowerConfig, userCount: Int, itemCount: Int, features: ItemFeatures, requests: RequestFeatures? = nil,
    seed: UInt64
  ) {
    self.config = config
    self.userCount = userCount
    self.itemCount = itemCount
    self.features = features
    self.requests = requests
    var random = SeededRandom(seed: seed, stream: 0x7A0)
    let e = config.embeddingDim
    (userEmbedding, itemEmbedding, genreEmbedding, yearEmbedding) = FieldTables.random(
      userCount: userCount, itemCount: itemCount, features: features, width: e, std: 0.1, random: &random)
    func tower(_ inputs: Int, _ hidden: [Int], skipIfIdentity: Bool) -> [Dense] {
      if skipIfIdentity && hidden.isEmpty && inputs == config.outputDim { return [] }
      var layers: [Dense] = []
      var width = inputs
      for h in hidden {
        layers.append(Dense(inputs: width, outputs: h, random: &random))
        width = h
      }
      layers.append(Dense(inputs: width, outputs: config.outputDim, random: &random, gain: 1))
      return layers
    }
    userTower = tower((1 + (requests?.fieldCount ?? 0)) * e, config.userHidden, skipIfIdentity: true)
    itemTower = tower(3 * e, config.itemHidden, skipIfIdentity: false)
    itemBias = [Float](repeating: 0, count: itemCount + 1)
    globalBias = [0]
    contextEmbedding = ContextTables.random(requests, width: e, std: 0.1, random: &random)
  }

  public var parameterSlots: [ParameterSlot<TwoTower>] {
    let e = config.embeddingDim
    var slots = FieldTables.slots(
      \TwoTower.userEmbedding, \.itemEmbedding, \.genreEmbedding, \.yearEmbedding, userCount: userCount,
      itemCount: itemCount, features: features, width: e)
    slots += [
      .init(name: "item_bias", shape: [itemCount + 1], path: \.itemBias, sparseRowWidth: 1, decays: true),
      .init(name: "global_bias", shape: [1], path: \.globalBias, sparseRowWidth: nil, decays: false),
    ]
    for (l, layer) in userTower.enumerated() {
      slots.append(.init(name: "user_tower\(l)_weight", shape: [layer.outputs, layer.inputs], path: \.userTower[l].weight, sparseRowWidth: nil, decays: true))
      slots.append(.init(name: "user_tower\(l)_bias", shape: [layer.outputs], path: \.userTower[l].bias, sparseRowWidth: nil, decays: false))
    }
    for (l, layer) in itemTower.enumerated() {
      slots.append(.init(name: "item_tower\(l)_weight", shape: [layer.outputs, layer.inputs], path: \.itemTower[l].weight, sparseRowWidth: nil, decays: true))
      slots.append(.init(name: "item_tower\(l)_bias", shape: [layer.outputs], path: \.itemTower[l].bias, sparseRowWidth: nil, decays: false))
    }
    slots += ContextTables.slots(\TwoTower.contextEmbedding, name: "context_embedding", requests: requests, width: e)
    return slots
  }

  private enum Slot { static let user = 0, item = 1, genre = 2, year = 3, itemBias = 4 }
  /// Slot of context field 0's table (after the towers' weights and biases).
  private var contextSlot: Int { 6 + 2 * (userTower.count + itemTower.count) }

  public struct Workspace {
    var batch = RequestBatch()
    var years: [Int32] = []
    var userActivations: [[Float]] = [[]]
    var itemActivations: [[Float]] = [[]]
  }

  public func makeWorkspace() -> Workspace { Workspace() }

  public func forward(
    users rows: [Int32], items: [Int32], count: Int, workspace ws: inout Workspace, logits: inout [Float]
  ) {
    let e = config.embeddingDim, d = config.outputDim, r = requestWidth
    ws.batch.resolve(requests, rows: rows, count: count)
    ws.years = (0..<count).map { features.yearBucket[Int(items[$0])] }
    ws.userActivations[0] = [Float](repeating: 0, count: count * r)
    ws.itemActivations[0] = [Float](repeating: 0, count: count * 3 * e)
    EmbeddingLayer.forward(table: userEmbedding, dim: e, rows: ws.batch.users, count: count, into: &ws.userActivations[0], stride: r, offset: 0)
    for (f, contextRows) in ws.batch.context.enumerated() {
      EmbeddingLayer.forward(
        table: contextEmbedding[f], dim: e, rows: contextRows, count: count, into: &ws.userActivations[0], stride: r, offset: (1 + f) * e)
    }
    ItemFields.embed(
      item: itemEmbedding, genre: genreEmbedding, year: yearEmbedding, dim: e, features: features,
      rows: Array(items[0..<count]), into: &ws.itemActivations[0], stride: 3 * e, offset: 0)
    MLP.forward(userTower, batch: count, activations: &ws.userActivations)
    MLP.forward(itemTower, batch: count, activations: &ws.itemActivations)
    if logits.count < count { logits = [Float](repeating: 0, count: count) }
    DotProduct.forward(ws.userActivations[userTower.count], ws.itemActivations[itemTower.count], dim: d, count: count, into: &logits)
    for b in 0..<count { logits[b] += itemBias[Int(items[b])] + globalBias[0] }
  }

  public func backward(
    dLogits: [Float], users rows: [Int32], items: [Int32], count: Int, workspace ws: inout Workspace,
    gradients g: inout TwoTower, touched: inout [TouchedRows]
  ) {
    let e = config.embeddingDim, d = config.outputDim, r = requestWidth
    var total: Float = 0
    for b in 0..<count { total += dLogits[b] }
    g.globalBias[0] += total
    EmbeddingLayer.backward(dOut: dLogits, stride: 1, offset: 0, dim: 1, rows: items, count: count, grad: &g.itemBias, touched: &touched[Slot.itemBias])
    var du = [Float](repeating: 0, count: count * d), dv = du
    DotProduct.backward(
      ws.userActivations[userTower.count], ws.itemActivations[itemTower.count], dim: d, count: count,
      dOut: dLogits, da: &du, dc: &dv)
    var dUserInput = du, dItemInput: [Float] = []
    if !userTower.isEmpty {
      MLP.backward(userTower, batch: count, activations: ws.userActivations, dOut: du, grads: &g.userTower, dInput: &dUserInput)
    }
    MLP.backward(itemTower, batch: count, activations: ws.itemActivations, dOut: dv, grads: &g.itemTower, dInput: &dItemInput)
    EmbeddingLayer.backward(dOut: dUserInput, stride: r, offset: 0, dim: e, rows: ws.batch.users, count: count, grad: &g.userEmbedding, touched: &touched[Slot.user])
    for (f, contextRows) in ws.batch.context.enumerated() {
      EmbeddingLayer.backward(
        dOut: dUserInput, stride: r, offset: (1 + f) * e, dim: e, rows: contextRows, count: count, grad: &g.contextEmbedding[f],
        touched: &touched[contextSlot + f])
    }
    EmbeddingLayer.backward(dOut: dItemInput, stride: 3 * e, offset: 0, dim: e, rows: items, count: count, grad: &g.itemEmbedding, touched: &touched[Slot.item])
    EmbeddingBagLayer.backward(
      dOut: dItemInput, stride: 3 * e, offset: e, dim: e, bagOffsets: features.genreOffsets, bagRows: features.genreRows,
      bags: items, count: count, grad: &g.genreEmbedding, touched: &touched[Slot.genre])
    EmbeddingLayer.backward(dOut: dItemInput, stride: 3 * e, offset: 2 * e, dim: e, rows: ws.years, count: count, grad: &g.yearEmbedding, touched: &touched[Slot.year])
  }

  public func makeScorer() -> any Scorer { TwoTowerScorer(self) }

  /// User (request) vectors `[rows][outputDim]` for the given user rows, or request rows with
  /// context (the runtime's user tower).
  public func userVectors(_ rows: [Int32]) -> [Float] {
    let e = config.embeddingDim, r = requestWidth
    var batch = RequestBatch()
    batch.resolve(requests, rows: rows, count: rows.count)
    var acts: [[Float]] = [[Float](repeating: 0, count: rows.count * r)]
    EmbeddingLayer.forward(table: userEmbedding, dim: e, rows: batch.users, count: rows.count, into: &acts[0], stride: r, offset: 0)
    for (f, contextRows) in batch.context.enumerated() {
      EmbeddingLayer.forward(table: contextEmbedding[f], dim: e, rows: contextRows, count: rows.count, into: &acts[0], stride: r, offset: (1 + f) * e)
    }
    MLP.forward(userTower, batch: rows.count, activations: &acts)
    return Array(acts[userTower.count][0..<(rows.count * config.outputDim)])
  }

  /// Item vectors `[itemCount][outputDim]` for the whole catalog: what the exporter precomputes.
  public func catalogItemVectors() -> [Float] { itemVectors(rows: (0..<itemCount).map { Int32($0) }) }
}

/// Catalog scorer for a two-tower model: item vectors and biases precomputed, one mat-vec per user.
public struct TwoTowerScorer: Scorer {
  public let itemCount: Int
  public var scoresAreLogits: Bool { true }
  private let model: TwoTower
  private let itemVectors: [Float]
  private let userVectors: [Float]

  public init(_ model: TwoTower) {
    self.model = model
    itemCount = model.itemCount
    itemVectors = model.catalogItemVectors()
    userVectors = model.userVectors((0..<(model.requests?.count ?? model.userCount + 1)).map { Int32($0) })
  }

  public func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    let d = model.config.outputDim, bias = model.globalBias[0]
    itemVectors.withUnsafeBufferPointer { v in
      userVectors.withUnsafeBufferPointer { u in
        let up = u.baseAddress! + userRow * d
        for i in 0..<itemCount {
          scores[i] = Kernels.dot(up, v.baseAddress! + i * d, d) + model.itemBias[i] + bias
        }
      }
    }
  }
}
