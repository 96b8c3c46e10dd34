import ArgumentParser
import RecLiteTrain

/// The distillation-loss options shared by `distill` and `pipeline`. Each is optional so that a
/// student keeps its own validation-swept default (`PipelineDefaults`) unless the user sets it.
struct DistillationArguments: ParsableArguments {
  @Option(help: "Weight of the hard-label loss (the soft-label loss gets 1 − alpha). (default: \(PipelineDefaults.distillation.alpha) for the DeepFM student, \(PipelineDefaults.twoTowerDistillation.alpha) for two-tower)")
  var alpha: Float?

  @Option(help: "Temperature of the soft labels. (default: \(PipelineDefaults.distillation.temperature))")
  var temperature: Float?

  @Option(help: "The teacher's top-K unseen items per user also carry soft labels, 0 = none. (default: \(PipelineDefaults.distillation.topK) for the DeepFM student, \(PipelineDefaults.twoTowerDistillation.topK) for two-tower)")
  var topK: Int?

  @Option(help: "Weight of the ranking-distillation term, 0 = off. (default: \(PipelineDefaults.distillation.beta))")
  var beta: Float?

  @Option(help: "Weight of the listwise term: KL between the teacher's and the student's softmax over each user's unseen items, 0 = off. (default: \(PipelineDefaults.distillation.listwiseWeight) for the DeepFM student, \(PipelineDefaults.twoTowerDistillation.listwiseWeight) for two-tower)")
  var listwiseWeight: Float?

  @Option(help: "Temperature of the listwise term's softmaxes. (default: \(PipelineDefaults.twoTowerDistillation.listwiseTemperature))")
  var listwiseTemperature: Float?

  @Option(help: "Items per user in the listwise term: the teacher's best half plus as many others drawn each epoch; 0 = the whole unseen catalog (slow). (default: \(PipelineDefaults.twoTowerDistillation.listwiseCandidates))")
  var listwiseCandidates: Int?

  func validate() throws {
    if let alpha, !(0...1).contains(alpha) { throw ValidationError("--alpha must be within 0...1") }
    if let temperature, !(temperature > 0) { throw ValidationError("--temperature must be positive") }
    if let topK, topK < 0 { throw ValidationError("--top-k must not be negative") }
    if let beta, !(beta >= 0) { throw ValidationError("--beta must not be negative") }
    if let listwiseWeight, !(listwiseWeight >= 0) { throw ValidationError("--listwise-weight must not be negative") }
    if let listwiseTemperature, !(listwiseTemperature > 0) { throw ValidationError("--listwise-temperature must be positive") }
    if let listwiseCandidates, listwiseCandidates < 0 { throw ValidationError("--listwise-candidates must not be negative") }
  }

  /// `defaults` with the options the user gave.
  func applied(to defaults: DistillationOptions) -> DistillationOptions {
    var options = defaults
    if let alpha { options.alpha = alpha }
    if let temperature { options.temperature = temperature }
    if let topK { options.topK = topK }
    if let beta { options.beta = beta }
    if let listwiseWeight { options.listwiseWeight = listwiseWeight }
    if let listwiseTemperature { options.listwiseTemperature = listwiseTemperature }
    if let listwiseCandidates { options.listwiseCandidates = listwiseCandidates }
    return options
  }
}
