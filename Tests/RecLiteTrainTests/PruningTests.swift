// Pruning under distillation: Zhu & Gupta's cubic schedule, global magnitude masks that only
// grow, neuron removal that keeps what the model computes through the kept neurons, rare-item
// row sharing, the compressed training run end to end, and the ROC curve the report draws.

import Foundation
import Testing
@testable import RecLiteTrain

@Suite struct PruningScheduleTests {
  @Test func cubicScheduleStartsRampsAndHoldsAtTheTarget() {
    let s = CubicSparsitySchedule(final: 0.8, start: 100, length: 300)
    #expect(s.sparsity(atStep: 0) == 0 && s.sparsity(atStep: 100) == 0)
    #expect(abs(s.sparsity(atStep: 400) - 0.8) < 1e-12 && s.sparsity(atStep: 10_000) == 0.8)
    // s_t = s_f (1 − (1 − progress)³): at a third of the ramp 0.8 × (1 − 8/27).
    #expect(abs(s.sparsity(atStep: 200) - 0.8 * (1 - 8.0 / 27)) < 1e-12)
    var previous = 0.0
    for t in 0...500 {
      let v = s.sparsity(atStep: t)
      #expect(v >= previous && v <= 0.8)
      // Fastest early: each step adds no more than the one before it.
      if t > 101 && t <= 400 { #expect(v - previous <= s.sparsity(atStep: t - 1) - s.sparsity(atStep: t - 2) + 1e-12) }
      previous = v
    }
  }

  @Test func magnitudePrunerReachesTheTargetGloballyAndNeverRegrows() throws {
    let data = try Dataset(syntheticRawData())
    var model = DeepFM(config: DeepFMConfig(dim: 8, hidden: [16, 8]), userCount: data.userCount, itemCount: data.itemCount, features: data.features, seed: 3)
    let slots = prunableSlots(model)
    // The logit layer (one output) and the embedding tables are never pruned.
    #expect(slots.count == 2 && slots.allSatisfy { $0.shape[0] > 1 })
    var pruner = MagnitudePruner(model: model, options: PruningOptions(sparsity: 0.75, rampEpochs: 2, updatesPerEpoch: 4), stepsPerEpoch: 20)
    var pruned = Set<Int>()
    for step in 0..<60 {
      // Perturb like an optimizer would; pruned weights must come back to zero.
      for slot in slots {
        model[keyPath: slot.path] = model[keyPath: slot.path].enumerated().map { $1 + Float(($0 * 7 + step) % 5 - 2) * 1e-3 }
      }
      pruner.afterStep(step, model: &model)
      let flat = slots.flatMap { model[keyPath: $0.path] }
      let zeros = Set(flat.indices.filter { flat[$0] == 0 })
      #expect(pruned.isSubset(of: zeros), "step \(step): a pruned weight grew back")
      pruned = zeros
      // Masks follow the schedule at every update (every 20 / 4 = 5 steps of the 40-step ramp).
      if step % pruner.interval == 0 || step >= 40 {
        #expect(abs(pruner.sparsity - pruner.schedule.sparsity(atStep: min(step, 40))) <= 1.0 / Double(flat.count), "step \(step)")
      }
    }
    #expect(abs(measuredSparsity(model) - 0.75) < 0.01)
    // Global: the smallest survivor of any layer is at least as large as the largest weight
    // pruned at the last mask update (magnitudes are compared across layers).
    let flat = slots.flatMap { model[keyPath: $0.path] }
    let perLayer = slots.map { slot in Double(model[keyPath: slot.path].filter { $0 == 0 }.count) / Double(slot.count) }
    #expect(perLayer[0] != perLayer[1], "global pruning leaves layers at different sparsities: \(perLayer)")
    #expect(flat.filter { $0 != 0 }.count == flat.count - Int((0.75 * Double(flat.count)).rounded()))
  }

  @Test func removingNeuronsShrinksTheLayersAndKeepsTheRestOfTheFunction() throws {
    let data = try Dataset(syntheticRawData())
    let model = DeepFM(config: DeepFMConfig(dim: 8, hidden: [20, 10]), userCount: data.userCount, itemCount: data.itemCount, features: data.features, seed: 5)
    let smaller = try model.removingNeurons(fraction: 0.5)
    #expect(smaller.config.hidden == [10, 5])
    #expect(smaller.mlp.map(\.outputs) == [10, 5, 1] && smaller.mlp[1].inputs == 10 && smaller.mlp[2].inputs == 5)
    #expect(smaller.parameterCount < model.parameterCount)
    // Removing 0% is the identity; 100% is refused.
    let same = try model.removingNeurons(fraction: 0)
    #expect(same.mlp.map(\.weight) == model.mlp.map(\.weight))
    #expect(throws: NeuronPruningError.self) { try model.removingNeurons(fraction: 1) }
    // A neuron with no outgoing weight carries nothing: it is the one removed first.
    var layers = [Dense(inputs: 2, outputs: 3, weight: [1, 1, 5, 5, 1, 1], bias: [0, 0, 0]), Dense(inputs: 3, outputs: 1, weight: [1, 0, 1], bias: [0])]
    layers = try NeuronPruning.prune(layers, fraction: 0.34)
    #expect(layers[0].weight == [1, 1, 1, 1] && layers[1].weight == [1, 1])
  }
}

@Suite struct RowSharingTests {
  @Test func rareItemsMapToTheOOVRowAndTheRemapIndexesStoredRows() {
    let sharing = ItemRowSharing(trainCounts: [5, 0, 2, 9, 1], minCount: 2)
    #expect(sharing.rowOf == [0, 5, 2, 3, 5, 5])
    #expect(sharing.sharedCount == 2)
    #expect(sharing.storedRows == [0, 2, 3, 5])
    #expect(sharing.remap == [0, 3, 1, 2, 3, 3])
    #expect(ItemRowSharing(trainCounts: [5, 0], minCount: 0).sharedCount == 0)
  }

  /// Training through the sharing wrapper: shared items end with exactly the OOV row's
  /// parameters, and the compressed run prunes to its target and reports both phases.
  @Test func compressedTrainingSharesRowsAndPrunesToTheTarget() throws {
    let data = try Dataset(syntheticRawData(users: 30, items: 60, perUser: 10))
    let split = Split(data)
    let options = TrainingOptions(epochs: 2, batchSize: 64, learningRate: 0.01, l2: 0, negatives: 2, patience: 0, seed: 2)
    var compression = CompressionOptions(prune: 0.6, minCount: 3)
    compression.rampEpochs = 1
    compression.fineTuneEpochs = 1
    let initial = DeepFM(config: DeepFMConfig(dim: 4, hidden: [8, 4]), userCount: data.userCount, itemCount: data.itemCount, features: data.features, seed: 1)
    let result = try trainCompressed(initial, split: split, options: options, teacher: nil, distillation: nil, compression: compression)
    let sharing = try #require(result.sharing)
    #expect(sharing.sharedCount > 0)
    let oov = data.itemCount
    for row in 0..<data.itemCount where Int(sharing.rowOf[row]) == oov {
      #expect(Array(result.model.itemEmbedding[(row * 4)..<(row * 4 + 4)]) == Array(result.model.itemEmbedding[(oov * 4)..<(oov * 4 + 4)]))
    }
    #expect(abs(measuredSparsity(result.model) - 0.6) < 0.01)
    #expect(measuredSparsity(result.dense) == 0)
    #expect(result.history.epochs.count >= 3)
    #expect(throws: CompressionError.self) {
      try trainCompressed(initial, split: split, options: options, teacher: nil, distillation: nil, compression: CompressionOptions(prune: 1))
    }
  }
}

@Suite struct ROCCurveTests {
  @Test func theCurveRunsCornerToCornerAndItsAreaIsTheAUC() throws {
    var random = SeededRandom(seed: 4)
    let labels = (0..<500).map { _ in random.unitFloat() < 0.3 }
    // Scores with ties (rounded) that favour positives.
    let scores = labels.map { (($0 ? 0.6 : 0) + random.unitFloat() * 2).rounded() / 4 }
    let curve = try #require(Ranking.rocCurve(scores: scores, labels: labels, points: 10_000))
    #expect(curve.first == RocPoint(falsePositiveRate: 0, truePositiveRate: 0))
    #expect(curve.last == RocPoint(falsePositiveRate: 1, truePositiveRate: 1))
    var area = 0.0
    for (a, b) in zip(curve, curve.dropFirst()) {
      #expect(b.falsePositiveRate >= a.falsePositiveRate && b.truePositiveRate >= a.truePositiveRate)
      area += (b.falsePositiveRate - a.falsePositiveRate) * (a.truePositiveRate + b.truePositiveRate) / 2
    }
    let auc = try #require(Ranking.auc(scores: scores, labels: labels))
    #expect(abs(area - auc) < 1e-9 && auc > 0.55)
    let thinned = try #require(Ranking.rocCurve(scores: (0..<500).map { Float($0) }, labels: labels, points: 11))
    #expect(thinned.count == 11 && thinned.first?.falsePositiveRate == 0 && thinned.last?.truePositiveRate == 1)
    #expect(Ranking.rocCurve(scores: [1, 2], labels: [true, true]) == nil)
  }
}
