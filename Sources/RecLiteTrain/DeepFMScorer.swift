/// Full-catalog scoring for a DeepFM, split the way the runtime does it: everything that depends
/// only on the item (`DeepFMItemPrecompute`: its block of the first MLP layer, its first-order
/// terms, the FM terms among its own fields) is computed once for the catalog; per request (a
/// user, or a user in a context) only the request block of layer 1, the request–item FM cross
/// term ⟨Σr, v_i + v_g + v_y⟩ and the rest of the MLP remain. The result equals `DeepFM.forward`
/// up to float rounding (tested).
public struct DeepFMScorer: Scorer {
  public let itemCount: Int
  public var scoresAreLogits: Bool { true }
  private let dim: Int
  private let model: DeepFM
  /// P, S and C for the catalog's rows.
  private let items: DeepFMItemPrecompute
  /// Layer-1 request block transposed, `[requestWidth][h1]`.
  private let requestBlockT: [Float]
  /// Remaining layers: Wᵀ packed for the product (`PackedMatrix`), with biases.
  private let restT: [(weight: PackedMatrix, bias: [Float], inputs: Int, outputs: Int)]
  private let firstOutputs: Int
  private let fused: FusedFactors?

  public init(_ model: DeepFM) {
    let d = model.dim, h1 = model.mlp[0].outputs
    dim = d
    itemCount = model.itemCount
    self.model = model
    firstOutputs = h1
    fused = model.fusedFactors
    items = DeepFMItemPrecompute(model, rows: model.itemCount)
    let width = model.requestWidth
    var requestT = [Float](repeating: 0, count: width * h1)
    model.firstLayerRequestBlock.withUnsafeBufferPointer { w in
      requestT.withUnsafeMutableBufferPointer { t in Kernels.transpose(w.baseAddress!, rows: h1, cols: width, t.baseAddress!) }
    }
    requestBlockT = requestT
    restT = model.mlp.dropFirst().map { layer in
      (PackedMatrix(k: layer.inputs, n: layer.outputs, layer.weight, ldb: layer.inputs, transposed: true),
       layer.bias, layer.inputs, layer.outputs)
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
    let request = model.requestSide(userRow)
    requestBlockT.withUnsafeBufferPointer { rt in
      for c in 0..<request.fields.count {
        let u = request.fields[c], row = rt.baseAddress! + c * h1
        for o in 0..<h1 { q[o] += u * row[o] }
      }
    }
    let base = request.constant
    let user = model.userRow(ofRequest: userRow)
    let lastIsFirst = restT.isEmpty
    items.firstLayer.withUnsafeBufferPointer { part in
      items.fieldSums.withUnsafeBufferPointer { sums in
        items.constants.withUnsafeBufferPointer { consts in
          request.sum.withUnsafeBufferPointer { requestSum in
            let sum = requestSum.baseAddress!
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
                Kernels.matmulPackedSerial(m: count, current, lda: layer.inputs, layer.weight, next, ldc: n, accumulate: true)
                if l + 1 < restT.count {
                  for i in 0..<(count * n) { next[i] = max(next[i], 0) }
                }
                swap(&current, &next)
              }
              for r in 0..<count {
                let i = start + r
                scores[i] = base + consts[i] + Kernels.dot(sum, sums.baseAddress! + i * d, d) + current[r]
              }
              if let fused {
                for r in 0..<count { scores[start + r] += fused.score(user: user, item: start + r) }
              }
              start += count
            }
          }
        }
      }
    }
  }
}
