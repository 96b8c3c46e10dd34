// Options shared by `train` and `distill`: which model, its size, how to train, where to write.

import ArgumentParser
import Foundation
import RecLiteToolkit
import RecLiteTrain

enum ModelKind: String, ExpressibleByArgument, CaseIterable {
  case teacher, student
  case twoTower = "two-tower"
}

struct ModelArguments: ParsableArguments {
  @Option(help: "teacher (DeepFM dim 64, MLP 256-128-64), student (DeepFM dim 6, MLP 32-16) or two-tower (dim 12).")
  var model: ModelKind = .student

  @Option(help: "Embedding width (overrides the model's default).")
  var dim: Int?

  @Option(help: "Two-tower: output width (the dot product's), if it differs from --dim.")
  var outputDim: Int?

  @Option(help: ArgumentHelp("Hidden layer widths, comma-separated (DeepFM MLP or two-tower item tower).", valueName: "list"))
  var hidden: String?

  @Option(help: ArgumentHelp("Two-tower: hidden widths of the user (request) tower, comma-separated, or 'none'.", valueName: "list"))
  var userHidden: String?

  @Option(help: "Epochs (early stopping on validation NDCG@10 keeps the best).")
  var epochs: Int?

  @Option(help: "Adam learning rate.")
  var learningRate: Float?

  @Option(help: "Sampled negatives per training positive.")
  var negatives: Int?

  @Option(help: "L2 regularization.")
  var l2: Float?

  @Option(help: ArgumentHelp(
    "Decay of the moving average of the weights that is validated and kept, 0 = keep the last step's weights. (default: \(PipelineDefaults.studentTraining.weightAverageDecay))",
    valueName: "decay"))
  var weightAverage: Float?

  @Option(help: "Seed for initialization, sampling and evaluation.")
  var seed: UInt64 = 1

  @Option(help: ArgumentHelp("Where to write the .rlm file.", valueName: "file"))
  var out: String

  @Option(help: "Encoding of the exported file: f32 (exact), int8 (row-wise int8 tables, int8 dense weights), int4 (row-wise int4 tables, int8 dense weights) or mixed (the most popular items' rows int8, the rest int4).")
  var encoding: ExportEncoding = .f32

  @Option(help: "full keeps the catalog's display titles; none drops them (ids only).")
  var titles: ExportOptions.Titles = .full

  @Option(help: ArgumentHelp(
    "DeepFM only: precompute the item side of the first layer and the FM term for every item (always: fastest per candidate, a larger file; never: smallest file; auto: unless the tables would pass 64 MiB).",
    valueName: "when"))
  var precompute: ExportOptions.ItemPrecompute = .auto

  @Flag(help: "No progress bars.")
  var quiet = false

  @Option(help: ArgumentHelp(
    "Also write the written file's validation and test metrics as JSON, for scripts that compare settings on the validation split.",
    valueName: "file"))
  var metrics: String?

  func validate() throws {
    if let dim, !(1...1024).contains(dim) { throw ValidationError("--dim must be within 1...1024") }
    if let outputDim, !(1...1024).contains(outputDim) { throw ValidationError("--output-dim must be within 1...1024") }
    if outputDim != nil && model != .twoTower { throw ValidationError("--output-dim applies to the two-tower model") }
    if let hidden, parsedHidden(hidden) == nil { throw ValidationError("--hidden: expected positive integers like 32,16") }
    if let userHidden, userHidden != "none", parsedHidden(userHidden) == nil {
      throw ValidationError("--user-hidden: expected positive integers like 32, or none")
    }
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
    if let negatives, negatives < 1 { throw ValidationError("--negatives must be at least 1") }
    if let weightAverage, !(0..<1).contains(weightAverage) { throw ValidationError("--weight-average must be within 0..<1") }
  }

  func parsedHidden(_ text: String) -> [Int]? { parsedWidths(text) }

  /// Training options: the pipeline's defaults for this kind of model and data (an event log
  /// takes `EventLogDefaults`), with the overrides.
  func training(eventLog: Bool) -> TrainingOptions {
    var options: TrainingOptions
    switch model {
    case .teacher: options = eventLog ? EventLogDefaults.teacherTraining : PipelineDefaults.teacherTraining
    case .student: options = eventLog ? EventLogDefaults.studentTraining : PipelineDefaults.studentTraining
    case .twoTower: options = eventLog ? EventLogDefaults.twoTowerTraining : PipelineDefaults.twoTowerTraining
    }
    if let epochs {
      options.epochs = epochs
      options.validateFrom = min(options.validateFrom, epochs)
    }
    if let learningRate { options.learningRate = learningRate }
    if let negatives { options.negatives = negatives }
    if let l2 { options.l2 = l2 }
    if let weightAverage { options.weightAverageDecay = weightAverage }
    options.seed = seed
    return options
  }

  /// A freshly initialized model of the chosen kind for `dataset`.
  func initialModel(_ dataset: Dataset) -> TrainedModel {
    let hiddenWidths = hidden.flatMap(parsedHidden)
    switch model {
    case .teacher, .student:
      let eventLog = dataset.isEventLog
      var config = model == .teacher
        ? (eventLog ? EventLogDefaults.teacher : PipelineDefaults.teacher) : (eventLog ? EventLogDefaults.student : PipelineDefaults.student)
      if let dim { config.dim = dim }
      if let hiddenWidths { config.hidden = hiddenWidths }
      return .deepFM(DeepFM(config: config, userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, requests: dataset.requests, seed: seed))
    case .twoTower:
      var config = dataset.isEventLog ? EventLogDefaults.twoTower : PipelineDefaults.twoTower
      if let dim {
        config.embeddingDim = dim
        config.outputDim = dim
      }
      if let outputDim { config.outputDim = outputDim }
      if let hiddenWidths { config.itemHidden = hiddenWidths }
      if let userHidden { config.userHidden = userHidden == "none" ? [] : parsedHidden(userHidden) ?? [] }
      return .twoTower(TwoTower(config: config, userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, requests: dataset.requests, seed: seed))
    }
  }
}

extension ExportOptions.ItemPrecompute: ExpressibleByArgument {}

enum ExportEncoding: String, ExpressibleByArgument, CaseIterable {
  case f32, int8, int4, mixed
  var options: ExportOptions { ExportOptions.named(rawValue) ?? .exact }
}

/// Loads the data and splits it, saying what it found.
func loadData(_ input: DataOptions, quiet: Bool) throws -> (Dataset, Split) {
  let dataset = try Dataset(try input.source.load(minRating: input.minRating))
  let split = Split(dataset)
  if !quiet {
    FileHandle.standardError.write(Data(
      "data: \(dataset.userCount) users, \(dataset.itemCount) items, split train \(split.train.count) / validation \(split.validation.count) / test \(split.test.count)\n".utf8))
  }
  return (dataset, split)
}

/// Trains (optionally distilling and compressing), exports, evaluates the written file through
/// the runtime and prints a report.
func trainExportAndReport(
  _ arguments: ModelArguments, dataset: Dataset, split: Split, teacher: (any TeacherScores)?,
  distillation: DistillationOptions?, compression: CompressionOptions = CompressionOptions(), alsFusion: Float = 0,
  provenance: [String: String]
) throws {
  let options = arguments.training(eventLog: dataset.isEventLog)
  let progress = arguments.quiet ? nil : ProgressBar(label: arguments.model.rawValue)
  let trained: TrainedModel
  var sharing: ItemRowSharing? = nil
  var history: TrainingHistory? = nil
  var metadata = provenance
  func compressed<M: ItemRowsSharable & NeuronPrunable>(_ initial: M) throws -> M {
    let result = try trainCompressed(
      initial, split: split, options: options, teacher: teacher, distillation: distillation, compression: compression,
      progress: progress)
    sharing = result.sharing
    history = result.history
    return result.model
  }
  switch arguments.initialModel(dataset) {
  case .deepFM(let initial):
    var model = try compressed(initial)
    if alsFusion > 0 {
      var als = PipelineDefaults.als
      als.seed = arguments.seed
      if !arguments.quiet { FileHandle.standardError.write(Data("fusing ALS (\(als.factors) factors) at share \(alsFusion)\n".utf8)) }
      model = try model.fusingALS(train: split.train, options: als, share: alsFusion)
      metadata["als"] = String(decoding: (try? JSONEncoder().encode(als)) ?? Data(), as: UTF8.self)
    }
    trained = .deepFM(model)
  case .twoTower(let initial):
    trained = .twoTower(try compressed(initial))
  }
  metadata["training"] = String(decoding: (try? JSONEncoder().encode(options)) ?? Data(), as: UTF8.self)
  if let distillation { metadata["distillation"] = String(decoding: (try? JSONEncoder().encode(distillation)) ?? Data(), as: UTF8.self) }
  if !compression.isNone { metadata["compression"] = String(decoding: (try? JSONEncoder().encode(compression)) ?? Data(), as: UTF8.self) }
  let name = distillation == nil ? arguments.model.rawValue : arguments.model.rawValue + "-distilled"
  let context = ModelExport.context(
    for: trained, name: name, seed: arguments.seed, dataset: dataset, split: split, provenance: metadata, sharedItems: sharing)
  var exportOptions = arguments.encoding.options
  exportOptions.precompute = arguments.precompute
  exportOptions.titles = arguments.titles
  let (builder, chosen, measurements) = try ModelExport.builderChoosingCSR(
    trained, context: context, options: exportOptions, requests: ModelExport.timedRequests(dataset: dataset, split: split))
  let url = URL(fileURLWithPath: arguments.out)
  let (bytes, scorer) = try ModelExport.write(builder, options: chosen, to: url, dataset: dataset)
  let evaluation = evaluationOptions(dataset, seed: arguments.seed)
  let validation = evaluate(scorer, split: split, on: .validation, options: evaluation)
  let result = evaluate(scorer, split: split, on: .test, options: evaluation)
  print("wrote \(arguments.out): \(name), \(trained.parameterCount.grouped) parameters, \(bytes.grouped) bytes (\(chosen.label))")
  print("  " + FileBytes(scorer.model).summary)
  if let sharing { print("  \(sharing.sharedCount.grouped) items with fewer than \(sharing.minCount) training interactions share the OOV item's row") }
  for m in measurements {
    print(String(format: "  %@: %.0f%% zeros, %@ (recommend %.1f µs dense, %.1f µs CSR)", m.layer, m.sparsity * 100, m.csr ? "stored as CSR" : "kept dense", m.denseMicroseconds, m.csrMicroseconds))
  }
  print("validation metrics through the runtime (full ranking over \(dataset.itemCount.grouped) items, \(validation.users.count) users; the split training stopped on):")
  print(EvaluationTable.render([(arguments.out, validation)]), terminator: "")
  print("test metrics through the runtime (full ranking over \(dataset.itemCount.grouped) items, \(result.users.count) users):")
  print(EvaluationTable.render([(arguments.out, result)]), terminator: "")
  if let path = arguments.metrics {
    let record = WrittenModelMetrics(
      name: name, file: arguments.out, parameters: trained.parameterCount, bytes: bytes, encoding: chosen.label,
      training: history, validation: validation, test: result)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(record).write(to: URL(fileURLWithPath: path))
  }
}

/// `--metrics`' JSON: what was written and how it ranks on validation and test.
struct WrittenModelMetrics: Codable {
  var name: String
  var file: String
  var parameters: Int
  var bytes: Int
  var encoding: String
  var training: TrainingHistory?
  var validation: EvaluationResult
  var test: EvaluationResult
}

/// The metrics' cut-offs for the data (an event log adds K 1 and 3: a hub shows a few suggestions).
func evaluationOptions(_ dataset: Dataset, seed: UInt64) -> EvaluationOptions {
  var options = dataset.isEventLog ? EventLogDefaults.evaluation : EvaluationOptions()
  options.seed = seed
  return options
}
