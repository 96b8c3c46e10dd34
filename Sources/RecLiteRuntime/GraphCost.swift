// How much arithmetic a model needs: multiply-adds per candidate and per request, counted from
// the verified graph (what the model asks for, however the runtime computes it). The benchmark
// divides by them to report how far from the machine's peak a model runs.

extension ModelGraph {
  /// Multiply-adds one row of op `index` needs: inputs × outputs for a dense layer (stored
  /// nonzeros for CSR), the width for a dot product or an elementwise product, one dot per
  /// pair of fields for the FM term; lookups, sums and activations count 0.
  public func multiplyAdds(ofOp index: Int) -> Int {
    let op = ops[index]
    switch op.code {
    case .dense:
      let weight = tensors[input(op, 1)]
      guard weight.isSparse else { return weight.dims.0 * weight.dims.1 }
      return tensors[weight.sparseColumnIndices].dims.0
    case .dot, .mul:
      return tensors[input(op, 0)].width
    case .fmInteraction:
      return op.inputCount * (op.inputCount - 1) / 2 * tensors[input(op, 0)].width
    case .embeddingLookup, .embeddingBag, .concat, .add, .sigmoid, .topK:
      return 0
    }
  }

  /// Multiply-adds to score one candidate: the candidate ops that compute the ranked score.
  public var multiplyAddsPerCandidate: Int { candidateOps.reduce(0) { $0 + multiplyAdds(ofOp: $1) } }

  /// Multiply-adds done once per request (user tower, the user's part of a first layer).
  public var multiplyAddsPerRequest: Int { requestOps.reduce(0) { $0 + multiplyAdds(ofOp: $1) } }
}
