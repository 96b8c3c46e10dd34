/// The item side of a model's input: for each item row, its item embedding, the mean of its
/// genre embeddings and its year embedding, side by side (`[count][3·dim]`, that order). Training
/// builds it per batch; the exporter builds it for the whole catalog to precompute item-side
/// tables. One implementation serves both so they cannot drift apart.
public enum ItemFields {
  public static func embed(
    item: [Float], genre: [Float], year: [Float], dim: Int, features: ItemFeatures, rows: [Int32],
    into out: inout [Float], stride: Int, offset: Int
  ) {
    let count = rows.count
    let years = rows.map { features.yearBucket[Int($0)] }
    EmbeddingLayer.forward(table: item, dim: dim, rows: rows, count: count, into: &out, stride: stride, offset: offset)
    EmbeddingBagLayer.forward(
      table: genre, dim: dim, bagOffsets: features.genreOffsets, bagRows: features.genreRows,
      bags: rows, count: count, into: &out, stride: stride, offset: offset + dim)
    EmbeddingLayer.forward(table: year, dim: dim, rows: years, count: count, into: &out, stride: stride, offset: offset + 2 * dim)
  }

  /// `[rows.count][3·dim]` item fields.
  public static func embed(item: [Float], genre: [Float], year: [Float], dim: Int, features: ItemFeatures, rows: [Int32]) -> [Float] {
    var out = [Float](repeating: 0, count: rows.count * 3 * dim)
    embed(item: item, genre: genre, year: year, dim: dim, features: features, rows: rows, into: &out, stride: 3 * dim, offset: 0)
    return out
  }
}

extension TwoTower {
  /// Item-tower outputs `[rows.count][outputDim]` for the given item rows (the OOV row included
  /// when asked): what the exporter precomputes for the catalog.
  public func itemVectors(rows: [Int32]) -> [Float] {
    let e = config.embeddingDim
    var acts: [[Float]] = [ItemFields.embed(
      item: itemEmbedding, genre: genreEmbedding, year: yearEmbedding, dim: e, features: features, rows: rows)]
    MLP.forward(itemTower, batch: rows.count, activations: &acts)
    return Array(acts[itemTower.count][0..<(rows.count * config.outputDim)])
  }
}
