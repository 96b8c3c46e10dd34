// Structured pruning: whole hidden neurons are removed and their layers shrink, so the smaller
// model runs the plain dense kernel (no sparse format, no mask). A neuron's importance is the
// product of the norms of its incoming and outgoing weights (how much signal can pass through
// it); the least important fraction of each hidden layer goes, and training under distillation
// then recovers what they carried.

public enum NeuronPruningError: Error, CustomStringConvertible {
  case nothingToPrune(String)
  case fraction(Double)

  public var description: String {
    switch self {
    case .nothingToPrune(let model): return "\(model) has no hidden layers whose neurons could be pruned"
    case .fraction(let value): return "the fraction of neurons to prune must be in [0, 1), not \(value)"
    }
  }
}

/// Models whose hidden neurons can be removed.
public protocol NeuronPrunable {
  /// The model with `fraction` of every hidden layer's neurons removed (at least one kept).
  func removingNeurons(fraction: Double) throws -> Self
}

public enum NeuronPruning {
  /// Removes `fraction` of the neurons of every hidden layer of a stack (all layers but the
  /// last), layer by layer, shrinking the next layer's inputs to match.
  public static func prune(_ layers: [Dense], fraction: Double) throws -> [Dense] {
    guard fraction >= 0 && fraction < 1 else { throw NeuronPruningError.fraction(fraction) }
    var layers = layers
    for l in 0..<max(0, layers.count - 1) {
      let (layer, next) = (layers[l], layers[l + 1])
      let remove = min(layer.outputs - 1, Int((fraction * Double(layer.outputs)).rounded()))
      guard remove > 0 else { continue }
      let importance = (0..<layer.outputs).map { o -> Float in
        let incoming = (0..<layer.inputs).reduce(Float(0)) { $0 + layer.weight[o * layer.inputs + $1] * layer.weight[o * layer.inputs + $1] }
        let outgoing = (0..<next.outputs).reduce(Float(0)) { $0 + next.weight[$1 * next.inputs + o] * next.weight[$1 * next.inputs + o] }
        return (incoming * outgoing).squareRoot()
      }
      let kept = (0..<layer.outputs).sorted { importance[$0] != importance[$1] ? importance[$0] > importance[$1] : $0 < $1 }
        .prefix(layer.outputs - remove).sorted()
      layers[l] = Dense(
        inputs: layer.inputs, outputs: kept.count,
        weight: kept.flatMap { layer.weight[($0 * layer.inputs)..<(($0 + 1) * layer.inputs)] }, bias: kept.map { layer.bias[$0] })
      layers[l + 1] = Dense(
        inputs: kept.count, outputs: next.outputs,
        weight: (0..<next.outputs).flatMap { o in kept.map { next.weight[o * next.inputs + $0] } }, bias: next.bias)
    }
    return layers
  }
}

extension DeepFM: NeuronPrunable {
  public func removingNeurons(fraction: Double) throws -> DeepFM {
    guard mlp.count > 1 else { throw NeuronPruningError.nothingToPrune("this DeepFM (MLP without hidden layers)") }
    var copy = self
    copy.mlp = try NeuronPruning.prune(mlp, fraction: fraction)
    copy.config.hidden = copy.mlp.dropLast().map(\.outputs)
    return copy
  }
}

extension TwoTower: NeuronPrunable {
  public func removingNeurons(fraction: Double) throws -> TwoTower {
    guard userTower.count > 1 || itemTower.count > 1 else {
      throw NeuronPruningError.nothingToPrune("this two-tower model (towers without hidden layers: its neurons are its dimension, see --dim)")
    }
    var copy = self
    copy.userTower = try NeuronPruning.prune(userTower, fraction: fraction)
    copy.itemTower = try NeuronPruning.prune(itemTower, fraction: fraction)
    copy.config.userHidden = copy.userTower.dropLast().map(\.outputs)
    copy.config.itemHidden = copy.itemTower.dropLast().map(\.outputs)
    return copy
  }
}
