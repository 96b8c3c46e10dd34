// Export of a DeepFM ranker as a runtime graph that does per candidate only
// what depends on the candidate.
//
// The trained model computes, per (user u, item i):
//   logit = b + w_u + w_i + w_g + w_y + FM(v_u, v_i, v_g, v_y) + MLP([v_u, v_i, v_g, v_y])
// The exported graph computes the same value in two stages:
//   once per request:  v_u, w_u and a_u = W1[:, user block] · v_u
//   per candidate:     h1 = relu(a_u + P[i])                 P[i] = W1[:, item block]·x_i + b1
//                      mlp = rest of the MLP on h1
//                      fm  = ⟨v_u, S[i]⟩ + C[i]                S[i] = v_i + v_g + v_y
//                      C[i] = FM(v_i, v_g, v_y) + w_i + w_g + w_y + b
// where x_i = [v_i, v_g, v_y] and P, S, C are tables precomputed here for
// every item row (FM(u, i, g, y) = ⟨u, i+g+y⟩ + FM(i, g, y)). The first layer
// then costs one add per hidden unit per candidate instead of 4·dim MACs.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public enum DeepFMExport {
  public static func builder(_ model: DeepFM, context: ExportContext, options: ExportOptions) -> ModelBuilder {
    let d = model.dim
    let items = model.itemCount + 1  // with the OOV row
    let rows = (0..<Int32(items)).map { $0 }
    let first = model.mlp[0]
    let hidden = first.outputs

    // Item-side precomputation over every item row.
    let fields = ItemFields.embed(
      item: model.itemEmbedding, genre: model.genreEmbedding, year: model.yearEmbedding, dim: d,
      features: model.features, rows: rows)
    let itemBlock = Dense(
      inputs: 3 * d, outputs: hidden, weight: columns(first.weight, of: first.inputs, from: d, count: 3 * d), bias: first.bias)
    var precomputedFirstLayer = [Float](repeating: 0, count: items * hidden)
    itemBlock.forward(fields, batch: items, into: &precomputedFirstLayer)
    var fieldSums = [Float](repeating: 0, count: items * d)
    for r in 0..<items {
      for j in 0..<d {
        fieldSums[r * d + j] = fields[r * 3 * d + j] + fields[r * 3 * d + d + j] + fields[r * 3 * d + 2 * d + j]
      }
    }
    var constants = [Float](repeating: 0, count: items)
    FMInteraction.forward(fields, stride: 3 * d, offset: 0, fields: 3, dim: d, count: items, into: &constants)
    let linear = ItemFields.embed(
      item: model.itemLinear, genre: model.genreLinear, year: model.yearLinear, dim: 1, features: model.features, rows: rows)
    for r in 0..<items { constants[r] += linear[3 * r] + linear[3 * r + 1] + linear[3 * r + 2] + model.globalBias[0] }

    let m = ModelBuilder(description: "DeepFM ranker (dim \(d), MLP \(model.config.hidden.map(String.init).joined(separator: "-")))")
    let (user, item) = m.idFeatures(context.dataset)
    // Once per request.
    let userVector = m.embeddingLookup(
      "user_embedding", table: m.table("user_table", model.userEmbedding, rows: model.userCount + 1, width: d, options.tables), ids: user)
    let userLinear = m.embeddingLookup(
      "user_linear", table: m.constant("user_linear_table", floats: model.userLinear, shape: [model.userCount + 1, 1]), ids: user)
    let userBlock = m.dense(
      "first_layer_user", userVector,
      weight: m.weight("first_layer_user.weight", columns(first.weight, of: first.inputs, from: 0, count: d), outputs: hidden, inputs: d, options.weights),
      bias: nil)
    // Per candidate.
    let itemPart = m.embeddingLookup(
      "first_layer_item", table: m.table("first_layer_item_table", precomputedFirstLayer, rows: items, width: hidden, options.tables), ids: item)
    var h = m.add("mlp0", userBlock, itemPart, activation: model.mlp.count > 1 ? .relu : .none)
    for (l, layer) in model.mlp.enumerated().dropFirst() {
      h = m.dense("mlp\(l)", h, layer: layer, activation: l + 1 < model.mlp.count ? .relu : .none, options.weights)
    }
    let sums = m.embeddingLookup("item_field_sum", table: m.table("item_field_sum_table", fieldSums, rows: items, width: d, options.tables), ids: item)
    let userFM = m.dot("fm_user", userVector, sums)
    let itemConstant = m.embeddingLookup("item_constant", table: m.constant("item_constant_table", floats: constants, shape: [items, 1]), ids: item)
    let logit = m.add("logit", m.add("mlp_fm", h, userFM), m.add("bias", itemConstant, userLinear))
    m.finish(scores: m.sigmoid("score", logit), item: item, context: context)
    return m
  }

  /// Columns `from ..< from + count` of a row-major [rows][width] matrix.
  static func columns(_ matrix: [Float], of width: Int, from start: Int, count: Int) -> [Float] {
    let rows = matrix.count / width
    var out = [Float]()
    out.reserveCapacity(rows * count)
    for r in 0..<rows { out.append(contentsOf: matrix[(r * width + start)..<(r * width + start + count)]) }
    return out
  }
}
