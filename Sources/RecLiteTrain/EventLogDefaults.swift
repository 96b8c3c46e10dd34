/// Defaults for event logs (data with context columns), set by hand for the generated
/// smart-home log (examples/smart-home). No recorded sweep chose them; what is chosen on the
/// validation split is each model's stopping epoch (patience on validation NDCG), and every
/// reported figure is on the test split. `reclite pipeline`'s shape options (ModelShapeArguments)
/// let a user compare settings on the validation split of their own log. MovieLens' defaults
/// (`PipelineDefaults`) are for a catalog 50 times larger and for one interaction per (user, item).
public enum EventLogDefaults {
  public static let teacher = DeepFMConfig(dim: 32, hidden: [128, 64])
  public static let teacherTraining = TrainingOptions(
    epochs: 10, batchSize: 512, learningRate: 0.002, l2: 1e-5, negatives: 8, patience: 2, validateFrom: 2,
    weightAverageDecay: 0.999)
  public static let student = DeepFMConfig(dim: 6, hidden: [16, 8])
  public static let studentTraining = TrainingOptions(
    epochs: 15, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 8, patience: 2, validateFrom: 2,
    weightAverageDecay: 0.999)
  public static let twoTower = TwoTowerConfig(embeddingDim: 8, outputDim: 8, userHidden: [32], itemHidden: [])
  public static let twoTowerTraining = studentTraining
  public static let distillation = DistillationOptions(alpha: 0.5, temperature: 1, topK: 0, beta: 0, lambda: 5)
  public static let twoTowerDistillation = distillation
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
