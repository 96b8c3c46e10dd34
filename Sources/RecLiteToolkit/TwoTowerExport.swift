// Export of a two-tower model: the user (request) tower runs once per request,
// over the user's and any context fields' embeddings; the item tower is
// precomputed here for every item row, so scoring a candidate is one table
// lookup and one dot product, and top-K over the catalog is a scan.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public enum TwoTowerExport {
  public static func builder(_ model: TwoTower, context: ExportContext, options: ExportOptions) throws -> ModelBuilder {
    let e = model.config.embeddingDim
    let d = model.config.outputDim
    let items = model.itemCount + 1
    let itemVectors = model.itemVectors(rows: (0..<Int32(items)).map { $0 })
    let bias = model.itemBias.map { $0 + model.globalBias[0] }

    let m = ModelBuilder(description: "two-tower model (embedding \(e), output \(d))")
    m.narrowIndices = true
    let itemTables = ItemTables(m, options: options, context: context)
    let (user, item) = m.idFeatures(context.dataset)
    var u = m.embeddingLookup(
      "user_embedding", table: try m.table("user_table", model.userEmbedding, rows: model.userCount + 1, width: e, options), ids: user)
    // Context fields join the user in the request tower's input.
    let contextFeatures = m.contextFeatures(context.dataset, fields: model.contextEmbedding.count)
    if !contextFeatures.isEmpty {
      let vectors = try contextFeatures.enumerated().map { f, feature in
        m.embeddingLookup(
          "context\(f)_embedding",
          table: try m.table("context\(f)_table", model.contextEmbedding[f], rows: model.contextEmbedding[f].count / e, width: e, options),
          ids: feature)
      }
      u = m.concat("request_fields", [u] + vectors)
    }
    for (l, layer) in model.userTower.enumerated() {
      u = try m.dense("user_tower\(l)", u, layer: layer, activation: l + 1 < model.userTower.count ? .relu : .none, options)
    }
    let v = m.embeddingLookup("item_vector", table: try itemTables.table("item_vector_table", itemVectors, rows: items, width: d), ids: item)
    let itemBias = m.embeddingLookup("item_bias", table: try itemTables.table("item_bias_table", bias, rows: items, width: 1), ids: item)
    let logit = m.add("logit", m.dot("dot", u, v), itemBias)
    m.finish(scores: m.sigmoid("score", logit), item: item, context: context, titles: options.titles)
    return m
  }
}
