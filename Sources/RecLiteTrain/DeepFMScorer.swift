/// Full-catalog scoring for a DeepFM, split the way the runtime does it: everything that depends
/// only on the item (its block of the first MLP layer, its first-order terms, the FM terms among
/// its own fields) is computed once for the catalog; per user only the user block of layer 1,
/// the user–item FM cross term ⟨v_u, v_i + v_g + v_y⟩ and the rest of the MLP remain.
/// The result equals `DeepFM.forward` up to float rounding (tested).
public struct DeepFMScorer: Scorer {
  public let itemCount: Int
  public var scoresAreLogits: Bool { true }
  private let dim: Int
  private let userEmbedding: [Float]
  private let userLinear: [Float]
  private let globalBias: Float
  /// `[itemCount][h1]`: item block of layer 1 plus its bias.
  private let itemPart: [Float]
  /// `[itemCount][dim]`: v_i + v_g + v_y.
  private let itemSum: [Float]
  /// `[itemCount]`: item first-order terms + FM among the item's own fields.
  private let itemConst: [Float]
  /// Layer-1 user block transposed, `[dim][h1]`.
  private let userBlockT: [Float]
  /// Remaining layers, weights transposed to `[in][out]`, with biases.
  private let restT: [(weight: [Float], bias: [Float], inputs: Int, outputs: Int)]
  private let firstOutputs: Int
  private let fused: FusedFactors?

  public init(_ model: DeepFM) {
    let d = model.dim, n = model.itemCount
    dim = d
    itemCount = n
    userEmbedding = model.userEmbedding
    userLinear = model.userLinear
    globalBias = model.globalBias[0]
    let first = model.mlp[0]
    firstOutputs = first.outputs
    fused = model.fusedFactors

    // Item fields side by side: [n][3d] = (item, genres, year), built like the exporter does.
    let rows = (0..<n).map { Int32($0) }
    let years = rows.map { model.features.yearBucket[Int($0)] }
    let x = ItemFields.embed(
      item: model.itemEmbedding, genre: model.genreEmbedding, year: model.yearEmbedding, dim: d,
      features: model.features, rows: rows)

    var genreLinear = [Float](repeating: 0, count: n)
    EmbeddingBagLayer.forward(
      table: model.genreLinear, dim: 1, bagOffsets: model.features.genreOffsets,
      bagRows: model.features.genreRows, bags: rows, count: n, into: &genreLinear, stride: 1, offset: 0)
    var sums = [Float](repeating: 0, count: n * d)
    var consts = [Float](repeating: 0, count: n)
    for i in 0..<n {
      var own: Float = 0, total: Float = 0
      for j in 0..<d {
        let a = x[i * 3 * d + j], b = x[i * 3 * d + d + j], c = x[i * 3 * d + 2 * d + j]
        let s = a + b + c
        sums[i * d + j] = s
        total += s * s
        own += a * a + b * b + c * c
      }
      consts[i] = model.itemLinear[i] + genreLinear[i] + model.yearLinear[Int(years[i])] + 0.5 * (total - own)
    }
    itemSum = sums
    itemConst = consts

    // Split W1 [h1][4d] into the user block [h1][d] and item block [h1][3d], both transposed.
    let h1 = first.outputs, inputs = first.inputs
    var userT = [Float](repeating: 0, count: d * h1)
    var itemT = [Float](repeating: 0, count: 3 * d * h1)
    for o in 0..<h1 {
      for c in 0..<d { userT[c * h1 + o] = first.weight[o * inputs + c] }
      for c in 0..<(3 * d) { itemT[c * h1 + o] = first.weight[o * inputs + d + c] }
    }
    userBlockT = userT
    var part = [Float](repeating: 0, count: n * h1)
    for i in 0..<n { for o in 0..<h1 { part[i * h1 + o] = first.bias[o] } }
    x.withUnsafeBufferPointer { xp in
      itemT.withUnsafeBufferPointer { wp in
        part.withUnsafeMutableBufferPointer { pp in
          Kernels.matmul(
            m: n, n: h1, k: 3 * d, xp.baseAddress!, lda: 3 * d, wp.baseAddress!, ldb: h1,
            pp.baseAddress!, ldc: h1, accumulate: true)
        }
      }
    }
    itemPart = part
    restT = model.mlp.dropFirst().map { layer in
      var t = [Float](repeating: 0, count: layer.weight.count)
      layer.weight.withUnsafeBufferPointer { w in
        t.withUnsafeMutableBufferPointer { tp in
          Kernels.transpose(w.baseAddress!, rows: layer.outputs, cols: layer.inputs, tp.baseAddress!)
        }
      }
      return (t, layer.bias, layer.inputs, layer.outputs)
    }
  }

  public func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    let d = dim, h1 = firstOutputs
    let block = 128
    let widest = max(h1, restT.map(\.outputs).max() ?? 1)
    // Scratch for one block of items: the user block of layer 1, two ping-pong activations.
    let q = UnsafeMutablePointer<Float>.allocate(capacity: h1)
    var current = UnsafeMutablePointer<Float>.allocate(capacity: block * widest)
    var next = UnsafeMutablePointer<Float>.allocate(capacity: block * widest)
    defer {
      q.deallocate()
      current.deallocate()
      next.deallocate()
    }
    q.initialize(repeating: 0, count: h1)
    userEmbedding.withUnsafeBufferPointer { ue in
      userBlockT.withUnsafeBufferPointer { ut in
        let user = ue.baseAddress! + userRow * d
        for c in 0..<d {
          let u = user[c], row = ut.baseAddress! + c * h1
          for o in 0..<h1 { q[o] += u * row[o] }
        }
      }
    }
    let base = globalBias + userLinear[userRow]
    let lastIsFirst = restT.isEmpty
    itemPart.withUnsafeBufferPointer { part in
      itemSum.withUnsafeBufferPointer { sums in
        itemConst.withUnsafeBufferPointer { consts in
          userEmbedding.withUnsafeBufferPointer { ue in
            let user = ue.baseAddress! + userRow * d
            var start = 0
            while start < itemCount {
              let count = min(block, itemCount - start)
              for r in 0..<count {
                let src = part.baseAddress! + (start + r) * h1, dst = current + r * h1
                if lastIsFirst {
                  for o in 0..<h1 { dst[o] = src[o] + q[o] }
                } else {
                  for o in 0..<h1 { dst[o] = max(src[o] + q[o], 0) }
                }
              }
              for (l, layer) in restT.enumerated() {
                let n = layer.outputs
                layer.bias.withUnsafeBufferPointer { bias in
                  for r in 0..<count { (next + r * n).update(from: bias.baseAddress!, count: n) }
                }
                layer.weight.withUnsafeBufferPointer { w in
                  Kernels.matmulSerial(
                    m: count, n: n, k: layer.inputs, current, lda: layer.inputs, w.baseAddress!, ldb: n,
                    next, ldc: n, accumulate: true)
                }
                if l + 1 < restT.count {
                  for i in 0..<(count * n) { next[i] = max(next[i], 0) }
                }
                swap(&current, &next)
              }
              for r in 0..<count {
                let i = start + r
                scores[i] = base + consts[i] + Kernels.dot(user, sums.baseAddress! + i * d, d) + current[r]
              }
              if let fused {
                for r in 0..<count { scores[start + r] += fused.score(user: userRow, item: start + r) }
              }
              start += count
            }
          }
        }
      }
    }
  }
}
