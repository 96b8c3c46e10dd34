import Foundation
import Testing
@testable import RecLiteTrain

@Suite struct FactorFusionTests {
  let data: Dataset
  let split: Split
  let model: DeepFM
  let als: ImplicitALS
  let logits: DenseTeacherScores
  init() throws {
    data = try Dataset(syntheticRawData())
    split = Split(data)
    model = train(
      DeepFM(config: DeepFMConfig(dim: 4, hidden: [8, 4]), userCount: data.userCount, itemCount: data.itemCount, features: data.features, seed: 3),
      split: split, options: TrainingOptions(epochs: 1, batchSize: 64, learningRate: 0.002, l2: 1e-6, negatives: 4, patience: 0)
    ).model
    als = ImplicitALS(train: split.train, itemCount: data.itemCount, options: ImplicitALSOptions(factors: 5, regularization: 1, iterations: 3))
    logits = DenseTeacherScores(scorer: model.makeScorer(), userCount: data.userCount)
  }

  /// Population standard deviation, computed the plain way.
  func spread(_ values: [Double]) -> Double {
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
  }

  @Test func fusedLogitRanksLikeTheNormalisedBlend() throws {
    let w: Float = 0.3
    let fused = try model.fusing(als, share: w, logits: logits)
    let pairs = (0..<data.userCount).flatMap { u in (0..<data.itemCount).map { (u, $0) } }
    let z = pairs.map { Double(logits.logit(user: $0.0, item: $0.1)!) }
    let s = pairs.map { Double(als.score(user: $0.0, item: $0.1)) }
    let c = Double(w) / Double(1 - w) * spread(z) / spread(s)
    #expect(abs(Double(fused.fusedFactors!.scale) - c) < 1e-4 * c)
    // The fused logit is z + c·s, i.e. the blend (1−w)·z/σz + w·s/σs times σz/(1−w).
    let scorer = fused.makeScorer()
    for user in [0, 7, data.userCount - 1] {
      let all = scorer.scoreAll(userRow: user)
      for item in 0..<data.itemCount {
        let k = user * data.itemCount + item
        let blend = (1 - Double(w)) * z[k] / spread(z) + Double(w) * s[k] / spread(s)
        #expect(abs(Double(all[item]) - blend * spread(z) / (1 - Double(w))) < 1e-4)
      }
    }
    // The OOV user gets the plain model's scores: its factor row is zero.
    let oov = data.userCount
    #expect(scorer.scoreAll(userRow: oov) == model.makeScorer().scoreAll(userRow: oov))
  }

  /// The pipeline derives the fused teacher's score matrix from the plain one instead of
  /// scoring the catalog again: it must be the fused scorer's matrix, bit for bit.
  @Test func addingTheFusedTermEqualsScoringTheFusedModel() throws {
    let fused = try model.fusing(als, share: 0.2, logits: logits)
    let derived = logits.adding(try #require(fused.fusedFactors))
    let scored = DenseTeacherScores(scorer: fused.makeScorer(), userCount: data.userCount)
    #expect(derived.logits.count == scored.logits.count)
    let differing = zip(derived.logits, scored.logits).filter { $0.bitPattern != $1.bitPattern }.count
    #expect(differing == 0, "\(differing) logits differ")
    #expect(derived.logits != logits.logits)
  }

  @Test func fusedFactorsAreFrozenAndCounted() throws {
    let fused = try model.fusing(als, share: 0.2, logits: logits)
    #expect(fused.parameterCount == model.parameterCount + (data.userCount + 1 + data.itemCount + 1) * 5)
    #expect(fused.trainableParameterCount == model.trainableParameterCount)
    // The ALS term is a constant of the parameters: backward gives the plain model's gradients.
    let users: [Int32] = [0, 1, 2, 3], items: [Int32] = [4, 5, 6, 7]
    func gradients(_ m: DeepFM) -> [[Float]] {
      var ws = m.makeWorkspace()
      var out: [Float] = []
      m.forward(users: users, items: items, count: 4, workspace: &ws, logits: &out)
      var g = m.zeroed
      var touched = m.parameterSlots.map { TouchedRows(capacity: $0.count) }
      m.backward(dLogits: [0.5, -1, 0.25, 2], users: users, items: items, count: 4, workspace: &ws, gradients: &g, touched: &touched)
      return g.namedParameters.map(\.values)
    }
    #expect(gradients(fused) == gradients(model))
  }

  @Test func shareZeroIsThePlainModelAndBadSharesAreRefused() throws {
    let plain = try model.fusing(als, share: 0, logits: logits)
    #expect(plain.fusedFactors == nil)
    #expect(plain.makeScorer().scoreAll(userRow: 2) == model.makeScorer().scoreAll(userRow: 2))
    for bad: Float in [-0.1, 1, 2, .nan] {
      #expect(throws: FactorFusionError.self) { try model.fusing(als, share: bad, logits: logits) }
      #expect(throws: FactorFusionError.self) { try model.fusingALS(train: split.train, options: ImplicitALSOptions(factors: 2), share: bad) }
    }
    let smaller = Split(try Dataset(syntheticRawData(users: 20)))
    let other = ImplicitALS(train: smaller.train, itemCount: smaller.itemCount, options: ImplicitALSOptions(factors: 2, iterations: 1))
    #expect(throws: FactorFusionError.self) { try model.fusing(other, share: 0.2, logits: logits) }
  }

  @Test func fusingALSFitsWithTheGivenOptions() throws {
    let options = ImplicitALSOptions(factors: 5, regularization: 1, iterations: 3)
    let a = try model.fusingALS(train: split.train, options: options, share: 0.25)
    let b = try model.fusing(als, share: 0.25, logits: logits)
    #expect(a.fusedFactors == b.fusedFactors)
  }
}
