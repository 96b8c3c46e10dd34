/// The item side of a DeepFM, split off so it can be computed once per item instead of once per
/// (user, item) pair. The catalog scorer (`DeepFMScorer`) and the exporter (RecLiteToolkit's
/// `DeepFMExport`) both use it, so evaluation during training and the exported graph split the
/// model the same way.
///
/// With x_i = [v_i, v_g, v_y] the item's fields, r = [v_u, v_c1, …] the request's fields (the
/// user and any context fields) and the first layer's weight split into its request block W_r
/// (columns `0..<dim` and `4·dim..<(4+C)·dim`) and item block W_x (columns `dim..<4·dim`):
///
///   logit = rest of the MLP(act(W_r·r + P[i])) + ⟨Σr, S[i]⟩ + w_r + FM(r) + C[i]
///   P[i] = W_x·x_i + b1,   S[i] = v_i + v_g + v_y,   C[i] = w_i + w_g + w_y + b + FM(v_i, v_g, v_y)
///
/// because the FM term over all fields is ⟨Σr, v_i + v_g + v_y⟩ plus the FM terms among the
/// request's own fields and among the item's own three fields; w_r is the request's first-order
/// terms (w_u + Σ_f w_cf). Without context r = v_u and FM(r) = 0.
extension DeepFM {
  /// The first layer's request block W_r, `[h1][(1+C)·dim]` row-major (no bias: the bias is in P).
  public var firstLayerRequestBlock: [Float] {
    let first = mlp[0]
    let context = (fieldCount - 4) * dim
    var out = [Float]()
    out.reserveCapacity(first.outputs * (dim + context))
    for o in 0..<first.outputs {
      let row = o * first.inputs
      out.append(contentsOf: first.weight[row..<(row + dim)])
      out.append(contentsOf: first.weight[(row + 4 * dim)..<(row + 4 * dim + context)])
    }
    return out
  }

  /// Width of the request block's input r.
  public var requestWidth: Int { (fieldCount - 3) * dim }

  /// The first layer's item block W_x with its bias b1, a `3·dim → h1` layer over x_i.
  public var firstLayerItemBlock: Dense {
    let first = mlp[0]
    return Dense(inputs: 3 * dim, outputs: first.outputs, weight: firstLayerColumns(from: dim, count: 3 * dim), bias: first.bias)
  }

  /// x_i for item rows `0..<rows`, `[rows][3·dim]`.
  public func itemFields(rows: Int) -> [Float] {
    ItemFields.embed(
      item: itemEmbedding, genre: genreEmbedding, year: yearEmbedding, dim: dim, features: features,
      rows: (0..<Int32(rows)).map { $0 })
  }

  /// w_i + w_g + w_y + b (first-order terms and global bias) for item rows `0..<rows`.
  public func itemLinearTerms(rows: Int) -> [Float] {
    let linear = ItemFields.embed(
      item: itemLinear, genre: genreLinear, year: yearLinear, dim: 1, features: features,
      rows: (0..<Int32(rows)).map { $0 })
    return (0..<rows).map { r in linear[3 * r] + linear[3 * r + 1] + linear[3 * r + 2] + globalBias[0] }
  }

  /// Columns `start ..< start + count` of the first layer's `[h1][4·dim]` weight.
  private func firstLayerColumns(from start: Int, count: Int) -> [Float] {
    let first = mlp[0]
    var out = [Float]()
    out.reserveCapacity(first.outputs * count)
    for o in 0..<first.outputs {
      out.append(contentsOf: first.weight[(o * first.inputs + start)..<(o * first.inputs + start + count)])
    }
    return out
  }
}

/// P, S and C of a DeepFM (see the `DeepFM` extension above) for item rows `0..<rows`.
public struct DeepFMItemPrecompute: Sendable {
  public let rows: Int
  /// P: `[rows][h1]`, the item block of the first layer plus its bias.
  public let firstLayer: [Float]
  /// S: `[rows][dim]`, v_i + v_g + v_y.
  public let fieldSums: [Float]
  /// C: `[rows]`, first-order terms, global bias and the FM term among the item's own fields.
  public let constants: [Float]

  public init(_ model: DeepFM, rows: Int) {
    let d = model.dim
    let fields = model.itemFields(rows: rows)
    let block = model.firstLayerItemBlock
    var table = [Float](repeating: 0, count: rows * block.outputs)
    block.forward(fields, batch: rows, into: &table)
    var sums = [Float](repeating: 0, count: rows * d)
    for r in 0..<rows {
      for j in 0..<d { sums[r * d + j] = fields[r * 3 * d + j] + fields[r * 3 * d + d + j] + fields[r * 3 * d + 2 * d + j] }
    }
    var ownFM = [Float](repeating: 0, count: rows)
    FMInteraction.forward(fields, stride: 3 * d, offset: 0, fields: 3, dim: d, count: rows, into: &ownFM)
    self.rows = rows
    firstLayer = table
    fieldSums = sums
    constants = zip(model.itemLinearTerms(rows: rows), ownFM).map { $0 + $1 }
  }
}
