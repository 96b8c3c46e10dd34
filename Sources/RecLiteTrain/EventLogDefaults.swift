/// Defaults for event logs (data with context columns), for the generated smart-home log
/// (examples/smart-home). The two-tower student's shape, training and distillation loss were
/// chosen on the validation split by `examples/smart-home/tune.py` (its table:
/// examples/smart-home/results/tune.md); the teacher and the DeepFM student are still set by
/// hand. Within each run, what is chosen on validation is each model's stopping epoch (patience
/// on validation NDCG), and every reported figure is on the test split. `reclite pipeline`'s
/// shape options (ModelShapeArguments) let a user compare settings on the validation split of
/// their own log. MovieLens' defaults (`PipelineDefaults`) are for a catalog 50 times larger and
/// for one interaction per (user, item).
public enum EventLogDefaults {
  public static let teacher = DeepFMConfig(dim: 32, hidden: [128, 64])
  public static let teacherTraining = TrainingOptions(
    epochs: 10, batchSize: 512, learningRate: 0.002, l2: 1e-5, negatives: 8, patience: 2, validateFrom: 2,
    weightAverageDecay: 0.999)
  public static let student = DeepFMConfig(dim: 6, hidden: [16, 8])
  public static let studentTraining = TrainingOptions(
    epochs: 15, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 8, patience: 2, validateFrom: 2,
    weightAverageDecay: 0.999)
  /// A dot product of width 12 over embeddings of width 8: wider embeddings, not a wider output
  /// alone, were what validation rewarded (tune.md).
  public static let twoTower = TwoTowerConfig(embeddingDim: 8, outputDim: 12, userHidden: [32], itemHidden: [])
  /// 24 sampled negatives per event (of 106 actions) instead of 8. The sweep allowed 30 epochs,
  /// but early stopping ended every run of this setting by epoch 13 (nothing depends on the cap
  /// otherwise), so 15 trains the same model.
  public static let twoTowerTraining = TrainingOptions(
    epochs: 15, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 24, patience: 2, validateFrom: 2,
    weightAverageDecay: 0.999)
  public static let distillation = DistillationOptions(alpha: 0.5, temperature: 1, topK: 0, beta: 0, lambda: 5)
  /// Plus a listwise term over the whole catalog (each event's softmax over the 106 actions, the
  /// teacher's against the student's), the validation choice among the loss settings tried.
  public static let twoTowerDistillation = DistillationOptions(
    alpha: 0.5, temperature: 1, topK: 0, beta: 0, lambda: 5, listwiseWeight: 0.5, listwiseTemperature: 1,
    listwiseCandidates: 0)
  /// NDCG@3 and HR@3: a hub shows about three suggestions.
  public static let cutoff = 3
  public static let evaluation = EvaluationOptions(cutoffs: [1, 3, 5, 10])

  static func apply(to config: inout PipelineConfig) {
    config.teacher = teacher
    config.teacherTraining = teacherTraining
    config.student = student
    config.studentTraining = studentTraining
    config.twoTower = twoTower
    config.twoTowerTraining = twoTowerTraining
    config.distillation = distillation
    config.twoTowerDistillation = twoTowerDistillation
    config.als = nil
    config.alsFusion = nil
    config.cutoff = cutoff
    config.evaluation = evaluation
  }
}
