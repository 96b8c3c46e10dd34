// Export of a DeepFM ranker as a runtime graph that does per candidate only
// what depends on the candidate.
//
// The trained model computes, per (user u, item i):
//   logit = b + w_u + w_i + w_g + w_y + FM(v_u, v_i, v_g, v_y) + MLP([v_u, v_i, v_g, v_y])
// The exported graph splits the first MLP layer W1 into a user block and an
// item block and computes, once per request,
//   v_u, w_u and a_u = W1[:, user block] · v_u
// and per candidate
//   h1 = relu(a_u + W1[:, item block] · x_i + b1)      x_i = [v_i, v_g, v_y]
//   logit = rest of the MLP(h1) + FM + w_u + C[i]       C[i] = w_i + w_g + w_y + b (a precomputed table)
// With item precomputation (RecLiteTrain's DeepFMItemPrecompute, which the
// training-side scorer uses too) the candidate part shrinks to table lookups:
//   P[i] = W1[:, item block]·x_i + b1,  S[i] = v_i + v_g + v_y,  FM = ⟨v_u, S[i]⟩ + C[i]
// (FM(u, i, g, y) = ⟨u, i + g + y⟩ + FM(i, g, y), folded into C), so the
// first layer costs one add per hidden unit per candidate instead of 3·dim MACs.
// A fused ALS term (FusedFactors) adds two lookups and ⟨p_u, q_i⟩ to the logit.
// Context fields (an event log's hour, weekday, room, ...) are request-side:
// they join the user in the first layer's request block, in the FM's request
// sum ⟨v_u + Σ v_c, S[i]⟩ and in the request constant w_u + Σ w_c + FM(v_u, v_c, …),
// so the per-candidate part — and the runtime's packed catalog scan — is unchanged.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public enum DeepFMExport {
  /// `.auto` precomputes unless the tables would pass this many bytes: a board's budget for a
  /// mapped model. Precomputing is the fast path (the MovieLens student runs ≈ 4× fewer
  /// instructions per candidate with it: bench/results), at (h1 + dim) floats per item.
  public static let precomputeBudget = 64 << 20

  public static func precomputedTableBytes(_ model: DeepFM) -> Int {
    (model.itemCount + 1) * (model.mlp[0].outputs + model.dim) * MemoryLayout<Float>.size
  }

  public static func builder(_ model: DeepFM, context: ExportContext, options: ExportOptions) throws -> ModelBuilder {
    let d = model.dim
    let first = model.mlp[0]
    let precompute: Bool
    switch options.precompute {
    case .always: precompute = true
    case .never: precompute = false
    case .auto: precompute = precomputedTableBytes(model) <= precomputeBudget
    }
    let m = ModelBuilder(
      description: "DeepFM ranker (dim \(d), MLP \(model.mlp.dropLast().map { String($0.outputs) }.joined(separator: "-")))"
        + (precompute ? ", item side precomputed" : ""))
    m.narrowIndices = true
    let itemTables = ItemTables(m, options: options, context: context)
    let (user, item) = m.idFeatures(context.dataset)
    let contextFeatures = m.contextFeatures(context.dataset, fields: model.fieldCount - 4)
    let items = model.itemCount + 1  // with the OOV row

    // Once per request: the user's fields and the context fields.
    let userVector = m.embeddingLookup(
      "user_embedding", table: try m.table("user_table", model.userEmbedding, rows: model.userCount + 1, width: d, options), ids: user)
    let userLinear = m.embeddingLookup(
      "user_linear", table: try m.table("user_linear_table", model.userLinear, rows: model.userCount + 1, width: 1, options), ids: user)
    let request = try requestSide(m, model, user: userVector, userLinear: userLinear, context: contextFeatures, options: options)
    let userBlock = m.dense(
      "first_layer_user", request.fields,
      weight: try m.weight("first_layer_user.weight", model.firstLayerRequestBlock, outputs: first.outputs, inputs: model.requestWidth, options),
      bias: nil)

    // Per candidate: the item block of the first layer, and the FM term.
    let constants: [Float]
    let itemPart: TensorRef
    let fm: TensorRef
    if precompute {
      let precomputed = DeepFMItemPrecompute(model, rows: items)
      constants = precomputed.constants
      itemPart = m.embeddingLookup(
        "first_layer_item", table: try itemTables.table("first_layer_item_table", precomputed.firstLayer, rows: items, width: first.outputs),
        ids: item)
      let fieldSums = m.embeddingLookup(
        "item_field_sum", table: try itemTables.table("item_field_sum_table", precomputed.fieldSums, rows: items, width: d), ids: item)
      fm = m.dot("fm", request.sum, fieldSums)
    } else {
      constants = model.itemLinearTerms(rows: items)
      let (itemVector, genreVector, yearVector) = try itemInputs(m, model, item: item, options: options, itemTables: itemTables)
      let x = m.concat("item_fields", [itemVector, genreVector, yearVector])
      itemPart = try m.dense("first_layer_item", x, layer: model.firstLayerItemBlock, activation: .none, options)
      fm = m.fmInteraction("fm", [userVector, itemVector, genreVector, yearVector] + request.context)
    }
    var h = m.add("mlp0", userBlock, itemPart, activation: model.mlp.count > 1 ? .relu : .none)
    for (l, layer) in model.mlp.enumerated().dropFirst() {
      h = try m.dense("mlp\(l)", h, layer: layer, activation: l + 1 < model.mlp.count ? .relu : .none, options)
    }
    let itemConstant = m.embeddingLookup(
      "item_constant", table: try itemTables.table("item_constant_table", constants, rows: items, width: 1), ids: item)
    // Without precomputation the FM above already covers the request's own pairs.
    let requestConstant = precompute ? request.constant : request.linear
    var logit = m.add("logit", m.add("mlp_fm", h, fm), m.add("bias", itemConstant, requestConstant))
    if let fused = model.fusedFactors {
      let f = fused.factors
      let alsUser = m.embeddingLookup(
        "als_user", table: try m.table("als_user_table", fused.userFactors, rows: model.userCount + 1, width: f, options), ids: user)
      let alsItem = m.embeddingLookup(
        "als_item", table: try itemTables.table("als_item_table", fused.itemFactors, rows: items, width: f), ids: item)
      logit = m.add("fused_logit", logit, m.dot("als", alsUser, alsItem))
      m.metadata("als_fusion", "ALS share \(fused.share) of the blend (logit += \(fused.scale)·ALS score), \(f) factors")
    }
    m.finish(scores: m.sigmoid("score", logit), item: item, context: context, titles: options.titles)
    return m
  }

  /// The request side: r = [v_u, v_c…] (the user vector alone without context), Σr, the
  /// first-order terms w_u + Σ w_c and the constant w_u + Σ w_c + FM(v_u, v_c, …).
  static func requestSide(
    _ m: ModelBuilder, _ model: DeepFM, user: TensorRef, userLinear: TensorRef, context features: [FeatureRef],
    options: ExportOptions
  ) throws -> (fields: TensorRef, sum: TensorRef, linear: TensorRef, constant: TensorRef, context: [TensorRef]) {
    guard !features.isEmpty else { return (user, user, userLinear, userLinear, []) }
    let d = model.dim
    var vectors: [TensorRef] = []
    var linear = userLinear
    for (f, feature) in features.enumerated() {
      let rows = model.contextEmbedding[f].count / d
      vectors.append(m.embeddingLookup(
        "context\(f)_embedding", table: try m.table("context\(f)_table", model.contextEmbedding[f], rows: rows, width: d, options),
        ids: feature))
      linear = m.add("context\(f)_linear_sum", linear, m.embeddingLookup(
        "context\(f)_linear", table: try m.table("context\(f)_linear_table", model.contextLinear[f], rows: rows, width: 1, options),
        ids: feature))
    }
    var sum = user
    for (f, vector) in vectors.enumerated() { sum = m.add("request_sum\(f)", sum, vector) }
    let constant = m.add("request_constant", linear, m.fmInteraction("request_fm", [user] + vectors))
    return (m.concat("request_fields", [user] + vectors), sum, linear, constant, vectors)
  }

  /// Item, mean-genre and year embeddings of the candidates, looked up in the graph. With shared
  /// item rows, a shared item's bags are the OOV item's (it is scored as the unknown item).
  static func itemInputs(
    _ m: ModelBuilder, _ model: DeepFM, item: FeatureRef, options: ExportOptions, itemTables: ItemTables
  ) throws -> (TensorRef, TensorRef, TensorRef) {
    let d = model.dim
    let features = itemTables.context.sharedItems.map { model.features.sharing($0.rowOf) } ?? model.features
    let itemVector = m.embeddingLookup(
      "item_embedding", table: try itemTables.table("item_table", model.itemEmbedding, rows: model.itemCount + 1, width: d), ids: item)
    let genreVector = m.embeddingBag(
      "genre_embedding", table: try m.table("genre_table", model.genreEmbedding, rows: model.genreRows, width: d, options),
      ids: item, offsets: features.genreOffsets, values: features.genreRows, mode: .mean)
    // Each item has exactly one year bucket: a bag of one.
    let yearVector = m.embeddingBag(
      "year_embedding", table: try m.table("year_table", model.yearEmbedding, rows: model.yearRows, width: d, options),
      ids: item, offsets: (0...Int32(features.yearBucket.count)).map { $0 }, values: features.yearBucket, mode: .sum)
    return (itemVector, genreVector, yearVector)
  }
}
