/// Knobs of the distillation loss. The initializer's defaults (α 0.5, T 1, soft labels on
/// positives and sampled negatives, top-K 0, β 0, no listwise term) are the pointwise part of
/// the validation sweeps; the DeepFM student adds the teacher's top-10 and the two-tower student
/// the listwise term (see `PipelineDefaults`).
public struct DistillationOptions: Sendable, Codable, Equatable {
  /// Weight of the hard-label BCE; 1 − α goes to the soft-label term.
  public var alpha: Float
  /// Temperature T of the soft labels (σ(z/T)); the soft term is scaled by T².
  public var temperature: Float
  /// How many of the teacher's best unseen items per user carry soft labels (and RD weights).
  public var topK: Int
  /// Weight β of the ranking-distillation term (teacher's top-K as weighted positives); 0 = off.
  public var beta: Float
  /// λ of the RD position weights w_r ∝ exp(−r/λ).
  public var lambda: Double
  /// Weight γ of the listwise term over each user's unseen catalog (`ListwiseDistillation`);
  /// 0 = off.
  public var listwiseWeight: Float = 0
  /// Temperature of the listwise term's softmaxes.
  public var listwiseTemperature: Float = 1
  /// Items per user in the listwise term: 0 = the whole unseen catalog, n = the teacher's best
  /// n/2 and n/2 drawn from the rest each epoch.
  public var listwiseCandidates: Int = 0

  public init(
    alpha: Float = 0.5, temperature: Float = 1, topK: Int = 0, beta: Float = 0, lambda: Double = 5,
    listwiseWeight: Float = 0, listwiseTemperature: Float = 1, listwiseCandidates: Int = 0
  ) {
    self.listwiseCandidates = listwiseCandidates
    self.listwiseWeight = listwiseWeight
    self.listwiseTemperature = listwiseTemperature
    self.alpha = alpha
    self.temperature = temperature
    self.topK = topK
    self.beta = beta
    self.lambda = lambda
  }
}

/// What an example is, which decides the loss terms it gets.
public enum ExampleRole: Equatable, Sendable {
  /// A training interaction (hard label 1).
  case positive
  /// A sampled item the user did not interact with in training (hard label 0).
  case negative
  /// The teacher's r-th best unseen item (r from 0): soft label and RD weight, no hard label
  /// (it is unlabelled for the user, so calling it 0 would fight the teacher).
  case teacherTop(rank: Int)
}

/// Per-example loss and its derivative in the student logit z:
///
/// - positive / negative, with a teacher logit t:
///   α·BCE(z, y) + (1−α)·T²·BCE(σ(z/T), σ(t/T))
/// - positive / negative without a teacher logit (no distillation, or a teacher file that does
///   not list the pair): BCE(z, y)
/// - teacher top-r item: (1−α)·T²·BCE(σ(z/T), σ(t/T)) + β·w_r·BCE(z, 1)
///
/// with dBCE/dz = σ(z) − y and d(T²·BCE(σ(z/T), p))/dz = T·(σ(z/T) − p).
public struct DistillationLoss: Sendable {
  public let options: DistillationOptions
  public let rankWeights: [Float]

  public init(options: DistillationOptions) {
    self.options = options
    rankWeights = rankingDistillationWeights(k: options.topK, lambda: options.lambda)
  }

  public func lossAndGradient(logit z: Float, role: ExampleRole, teacher t: Float?) -> (loss: Float, gradient: Float) {
    let a = options.alpha, T = options.temperature
    switch role {
    case .positive, .negative:
      let y: Float = role == .positive ? 1 : 0
      let hard = Logistic.bceWithLogits(z, target: y)
      let hardGrad = Logistic.sigmoid(z) - y
      guard let t else { return (hard, hardGrad) }
      return (
        a * hard + (1 - a) * SoftLabelLoss.loss(student: z, teacher: t, temperature: T),
        a * hardGrad + (1 - a) * SoftLabelLoss.gradient(student: z, teacher: t, temperature: T)
      )
    case .teacherTop(let rank):
      var loss: Float = 0, gradient: Float = 0
      if let t {
        loss += (1 - a) * SoftLabelLoss.loss(student: z, teacher: t, temperature: T)
        gradient += (1 - a) * SoftLabelLoss.gradient(student: z, teacher: t, temperature: T)
      }
      if options.beta > 0, rank < rankWeights.count {
        let w = options.beta * rankWeights[rank]
        loss += w * Logistic.bceWithLogits(z, target: 1)
        gradient += w * (Logistic.sigmoid(z) - 1)
      }
      return (loss, gradient)
    }
  }
}

/// Plain BCE on hard labels (training without a teacher) in the same shape as `DistillationLoss`.
public func hardLossAndGradient(logit z: Float, positive: Bool) -> (loss: Float, gradient: Float) {
  let y: Float = positive ? 1 : 0
  return (Logistic.bceWithLogits(z, target: y), Logistic.sigmoid(z) - y)
}
