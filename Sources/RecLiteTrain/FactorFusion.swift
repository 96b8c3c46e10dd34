/// A frozen matrix-factorisation term added to a DeepFM's logit: logit += ⟨p_u, q_i⟩.
///
/// This is NeuMF's fusion (He et al., WWW 2017) with the mixing weight chosen on validation
/// instead of fine-tuned: the DeepFM, trained with sampled BCE, and implicit ALS, fitted with
/// squared loss over every pair, make different mistakes, and a blend ranks better than either
/// (see `PipelineDefaults.alsFusion`). Fine-tuning the blend with sampled BCE was measured to
/// lose ALS' level within an epoch, so the factors stay fixed.
public struct FusedFactors: Sendable, Equatable {
  public let factors: Int
  /// `[userCount+1][factors]` (OOV row zero), already multiplied by the fusion scale.
  public let userFactors: [Float]
  /// `[itemCount+1][factors]` (OOV row zero).
  public let itemFactors: [Float]
  /// The ALS score's share w of the blend, and the scale c = w/(1−w)·σ_model/σ_ALS it became.
  public let share: Float
  public let scale: Float
}

extension FusedFactors: FactorScores {}

public enum FactorFusionError: Error, CustomStringConvertible {
  case share(Float)
  case shape(String)

  public var description: String {
    switch self {
    case .share(let w): return "the ALS share of a fused teacher must be in [0, 1), got \(w)"
    case .shape(let what): return "cannot fuse ALS into the model: \(what)"
    }
  }
}

extension DeepFM {
  /// This model with `als` fused at share `w`: it ranks like (1−w)·z/σ_z + w·s/σ_s, where z is
  /// this model's logit, s the ALS score and σ each one's standard deviation over all known
  /// (user, item) pairs. Dividing by σ makes w a share of the two scores' spread rather than of
  /// their arbitrary units; the result is rescaled to z's units (logit = z + c·s with
  /// c = w/(1−w)·σ_z/σ_s), so it stays a logit for distillation's soft labels.
  /// `logits` is this model's full score matrix (`DenseTeacherScores`), which the caller
  /// usually has already; share 0 returns the model unchanged.
  public func fusing(_ als: ImplicitALS, share w: Float, logits: DenseTeacherScores) throws -> DeepFM {
    guard w >= 0, w < 1 else { throw FactorFusionError.share(w) }
    guard als.userCount == userCount, als.itemCount == itemCount,
      logits.userCount == userCount, logits.itemCount == itemCount
    else {
      throw FactorFusionError.shape(
        "model \(userCount)×\(itemCount), ALS \(als.userCount)×\(als.itemCount), logits \(logits.userCount)×\(logits.itemCount)")
    }
    var copy = self
    copy.fusedFactors = nil
    guard w > 0 else { return copy }
    let modelSpread = standardDeviation(count: userCount * itemCount) { logits.logits[$0] }
    let alsSpread = standardDeviation(count: userCount * itemCount) { als.score(user: $0 / itemCount, item: $0 % itemCount) }
    guard modelSpread > 0, alsSpread > 0 else { throw FactorFusionError.shape("a model scores every pair alike") }
    let c = w / (1 - w) * modelSpread / alsSpread
    let f = als.factors
    copy.fusedFactors = FusedFactors(
      factors: f,
      userFactors: als.userFactors.map { $0 * c } + [Float](repeating: 0, count: f),
      itemFactors: als.itemFactors + [Float](repeating: 0, count: f),
      share: w, scale: c)
    return copy
  }
}

extension DeepFM {
  /// Fits ALS on the split's train interactions and fuses it in at share `w` (see
  /// `fusing(_:share:logits:)`); for callers that have neither the ALS model nor the logits.
  public func fusingALS(train: UserItems, options: ImplicitALSOptions, share w: Float) throws -> DeepFM {
    guard w >= 0, w < 1 else { throw FactorFusionError.share(w) }
    guard w > 0 else {
      var plain = self
      plain.fusedFactors = nil
      return plain
    }
    let als = ImplicitALS(train: train, itemCount: itemCount, options: options)
    return try fusing(als, share: w, logits: DenseTeacherScores(scorer: makeScorer(), userCount: userCount))
  }
}

/// Population standard deviation of `count` values, accumulated in Double.
func standardDeviation(count: Int, _ value: (Int) -> Float) -> Float {
  guard count > 0 else { return 0 }
  var sum = 0.0, squares = 0.0
  for i in 0..<count {
    let x = Double(value(i))
    sum += x
    squares += x * x
  }
  let mean = sum / Double(count)
  return Float(max(0, squares / Double(count) - mean * mean).squareRoot())
}
