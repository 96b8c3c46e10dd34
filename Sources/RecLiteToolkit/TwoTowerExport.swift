// Export of a two-tower model: the user (request) tower runs once per request,
// over the user's and any context fields' embeddings; the item tower is
// precomputed here for every item row, so scoring a candidate is one table
// lookup and one dot product, and top-K over the catalog is a scan.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public enum TwoTowerExport {
  public static func builder(_ model: TwoTower, context: ExportContext, options: ExportOptions) -> ModelBuilder {
    let e = model.config.embeddingDim
    let d = model.config.outputDim
    let items = model.itemCount + 1
    let itemVectors = model.itemVectors(rows: (0..<Int32(items)).map { $0 })
    let bias = model.itemBias.map { $0 + model.globalBias[0] }

    let m = ModelBuilder(description: "two-tower model (embedding \(e), output \(d))")
    let (user, item) = m.idFeatures(context.dataset)
    var u = m.embeddingLookup(
      "user_embedding", table: m.table("user_table", model.userEmbedding, rows: model.userCount + 1, width: e, options.tables), ids: user)
    // Context fields join the user in the request tower's input.
    let contextFeatures = m.contextFeatures(context.dataset, fields: model.contextEmbedding.count)
    if !contextFeatures.isEmpty {
      let vectors = contextFeatures.enumerated().map { f, feature in
        m.embeddingLookup(
          "context\(f)_embedding",
          table: m.table("context\(f)_table", model.contextEmbedding[f], rows: model.contextEmbedding[f].count / e, width: e, options.tables),
          ids: feature)
      }
      u = m.concat("request_fields", [u] + vectors)
    }
    for (l, layer) in model.userTower.enumerated() {
      u = m.dense("user_tower\(l)", u, layer: layer, activation: l + 1 < model.userTower.count ? .relu : .none, options.weights)
    }
    let v = m.embeddingLookup("item_vector", table: m.table("item_vector_table", itemVectors, rows: items, width: d, options.tables), ids: item)
    let itemBias = m.embeddingLookup("item_bias", table: m.constant("item_bias_table", floats: bias, shape: [items, 1]), ids: item)
    let logit = m.add("logit", m.dot("dot", u, v), itemBias)
    m.finish(scores: m.sigmoid("score", logit), item: item, context: context)
    return m
  }
}
