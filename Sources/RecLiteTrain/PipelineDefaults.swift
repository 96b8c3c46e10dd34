/// The pipeline's defaults, in one place: the CLI, the pipeline and `reclite tune` read them
/// here. The tunable ones were chosen on the validation split of ml-latest-small alone (never on
/// test) by `reclite tune` — its table is bench/results/tune.md, its data
/// bench/results/tune.json, and a test holds these values to that file. The history of how the
/// search space came to be is in the git log, not here.
public enum PipelineDefaults {
  /// The teacher's architecture: wide enough that the students are under 10% of it.
  public static let teacher = DeepFMConfig(dim: 64, hidden: [256, 128, 64])
  /// Teacher training: l2, negatives and learning rate from `reclite tune` (stage "teacher");
  /// 9 epochs with early stopping after 3 without a better validation score, validated from
  /// epoch 4 (no earlier epoch was ever the best), weight averaging at decay 0.999.
  public static let teacherTraining = TrainingOptions(
    epochs: 9, batchSize: 512, learningRate: 0.001, l2: 1e-4, negatives: 16, patience: 3, validateFrom: 4,
    weightAverageDecay: 0.999)
  /// The DeepFM student: dim 6 and MLP 32-16 keep it near 5% of the teacher's parameters.
  public static let student = DeepFMConfig(dim: 6, hidden: [32, 16])
  /// Learning rate and negatives from `reclite tune` (stage "student").
  public static let studentTraining = TrainingOptions(
    epochs: 30, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 16, patience: 3, weightAverageDecay: 0.999)
  /// The two-tower student: d 12 keeps it under 10% of the teacher's parameters.
  public static let twoTower = TwoTowerConfig(embeddingDim: 12, outputDim: 12, userHidden: [], itemHidden: [])
  /// Learning rate and negatives from `reclite tune` (stage "two-tower").
  public static let twoTowerTraining = TrainingOptions(
    epochs: 30, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 16, patience: 3, weightAverageDecay: 0.999)
  /// The ALS baseline and the teacher's fused term: factors, λ and α from `reclite tune` (stage "als").
  public static let als = ImplicitALSOptions(factors: 64, regularization: 10, alpha: 1, iterations: 15)
  /// The ALS score's share in the teacher (`DeepFM.fusing`): `reclite tune` (stage "fusion").
  public static let alsFusion: Float = 0.2
  /// The DeepFM student's distillation: α, T, top-K and listwise γ from `reclite tune` (stage "student").
  public static let distillation = DistillationOptions(alpha: 0.5, temperature: 1, topK: 10, beta: 0, lambda: 5)
  /// The two-tower student's distillation: α, T, top-K, listwise γ and its temperature from
  /// `reclite tune` (stage "two-tower"); the listwise term ranks 400 items per user (the
  /// teacher's best 200 and 200 drawn each epoch).
  public static let twoTowerDistillation = DistillationOptions(
    alpha: 0.7, temperature: 1, topK: 0, beta: 0, lambda: 5,
    listwiseWeight: 0.2, listwiseTemperature: 3, listwiseCandidates: 400)
}
