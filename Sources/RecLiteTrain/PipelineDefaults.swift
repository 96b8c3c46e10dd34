/// The pipeline's defaults, in one place: the CLI, the pipeline and `reclite tune` read them
/// here. The tunable ones come from validation-only experiments on ml-latest-small (their tables
/// are in this file's git history up to commit 139d117). `reclite tune` reruns that choice as
/// one command and writes its table; until a full run replaces these values, each line below
/// says which experiment set it.
public enum PipelineDefaults {
  /// The teacher's architecture: wide enough that the students are under 10% of it.
  public static let teacher = DeepFMConfig(dim: 64, hidden: [256, 128, 64])
  /// Teacher training: l2 1e-4, 16 negatives and lr 0.001 were the best validation runs;
  /// 9 epochs with early stopping after 3 without a better validation score, validated from
  /// epoch 4 (no earlier epoch was ever the best), weight averaging at decay 0.999.
  public static let teacherTraining = TrainingOptions(
    epochs: 9, batchSize: 512, learningRate: 0.001, l2: 1e-4, negatives: 16, patience: 3, validateFrom: 4,
    weightAverageDecay: 0.999)
  /// The DeepFM student: dim 6 and MLP 32-16 keep it near 5% of the teacher's parameters.
  public static let student = DeepFMConfig(dim: 6, hidden: [32, 16])
  /// Learning rate and negatives: the best mean validation NDCG@10 over the 7 pipeline teachers.
  public static let studentTraining = TrainingOptions(
    epochs: 30, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 16, patience: 3, weightAverageDecay: 0.999)
  /// The two-tower student: d 12 keeps it under 10% of the teacher's parameters.
  public static let twoTower = TwoTowerConfig(embeddingDim: 12, outputDim: 12, userHidden: [], itemHidden: [])
  /// Learning rate and negatives: the best mean validation NDCG@10 over the 7 pipeline teachers.
  public static let twoTowerTraining = TrainingOptions(
    epochs: 30, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 16, patience: 3, weightAverageDecay: 0.999)
  /// The ALS baseline and the teacher's fused term: what bench/baselines.py picks on validation
  /// for PyPI `implicit`. (`reclite tune --stages als --seeds 1` prefers 128 factors for this
  /// ALS; adopting it changes the teacher, so it waits for the full tune.)
  public static let als = ImplicitALSOptions(factors: 64, regularization: 10, alpha: 1, iterations: 15)
  /// The ALS score's share in the teacher (`DeepFM.fusing`): the best validation share tried.
  public static let alsFusion: Float = 0.2
  /// The DeepFM student's distillation: α 0.5, T 1 and top-K 0 scored best on validation (K 0
  /// 0.0822, K 10 0.0818 mean over the 7 pipeline teachers; K 10 had once been kept for its
  /// test score, which is not how a default is chosen).
  public static let distillation = DistillationOptions(alpha: 0.5, temperature: 1, topK: 0, beta: 0, lambda: 5)
  /// The two-tower student's distillation: α 0.7 and the listwise term (γ 0.2, T 3) scored best
  /// on validation; the listwise term ranks 400 items per user (the teacher's best 200 and 200
  /// drawn each epoch).
  public static let twoTowerDistillation = DistillationOptions(
    alpha: 0.7, temperature: 1, topK: 0, beta: 0, lambda: 5,
    listwiseWeight: 0.2, listwiseTemperature: 3, listwiseCandidates: 400)
}
