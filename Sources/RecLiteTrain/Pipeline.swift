import Dispatch
import Foundation

/// Where the pipeline reads its data.
public enum DataSource: Sendable, Codable, Equatable {
  /// MovieLens' own `ratings.csv` (+ optional `movies.csv`).
  case movieLens(ratings: String, movies: String?)
  /// A generic interactions CSV.
  case interactions(path: String, columns: InteractionColumns)

  public func load(minRating: Double?) throws -> RawData {
    switch self {
    case .movieLens(let ratings, let movies):
      return try MovieLens.load(ratingsPath: ratings, moviesPath: movies, minRating: minRating)
    case .interactions(let path, let columns):
      return try InteractionsCSV.load(path: path, columns: columns, minRating: minRating)
    }
  }

  /// Whether the data is an event log (a generic CSV with context columns).
  public var hasContext: Bool {
    if case .interactions(_, let columns) = self { return !columns.context.isEmpty }
    return false
  }
}


/// Everything the end-to-end run needs. Defaults are `PipelineDefaults` (chosen on the
/// validation split by `reclite tune`); tests shrink sizes and epochs.
public struct PipelineConfig: Sendable, Codable {
  public var data: DataSource
  public var minRating: Double?
  public var seeds: [UInt64] = [1]
  public var teacher: DeepFMConfig = PipelineDefaults.teacher
  public var teacherTraining = PipelineDefaults.teacherTraining
  public var student: DeepFMConfig = PipelineDefaults.student
  public var studentTraining = PipelineDefaults.studentTraining
  public var twoTower: TwoTowerConfig = PipelineDefaults.twoTower
  public var twoTowerTraining = PipelineDefaults.twoTowerTraining
  public var distillation = PipelineDefaults.distillation
  public var twoTowerDistillation = PipelineDefaults.twoTowerDistillation
  /// Compression of the distilled students: pruning applies to the DeepFM student (the
  /// two-tower's only dense layers are precomputed into its item table at export), rare-item
  /// row sharing to both.
  public var compression = CompressionOptions()
  /// Bring your own teacher: a `user,item,logit` CSV (raw ids) used instead of training the
  /// built-in teacher (the report then has no "teacher" model row).
  public var teacherScoresPath: String?
  /// The ALS baseline the teacher has to beat (nil leaves it out).
  public var als: ImplicitALSOptions? = PipelineDefaults.als
  /// The ALS score's share of the built-in teacher (`DeepFM.fusing`); nil or 0 keeps the teacher
  /// a plain DeepFM. Needs `als`.
  public var alsFusion: Float? = PipelineDefaults.alsFusion
  public var evaluation = EvaluationOptions()
  public var bootstrapResamples = 2000
  /// Progress bars and per-step messages on stderr.
  public var progress = true
  /// The K of the summary's NDCG@K and HR@K and of the paired comparisons (one of the
  /// evaluation's cut-offs).
  public var cutoff = 10
  /// Event logs: the context columns of the "popular-in-context" baseline (nil: the first two)
  /// and of the "user-habit" baseline (nil: the first one); see `EventLogBaselines`.
  public var contextBaseline: [String]?
  public var habitBaseline: [String]?

  /// The defaults for the data: an event log (context columns) takes `EventLogDefaults`.
  public init(data: DataSource) {
    self.data = data
    if data.hasContext { EventLogDefaults.apply(to: &self) }
  }
}


/// One evaluated model.
public struct ModelReport: Sendable, Codable {
  public var name: String
  public var parameters: Int
  public var validation: EvaluationResult?
  public var test: EvaluationResult
  public var training: TrainingHistory?
  public var trainSeconds: Double
}

public struct SeedReport: Sendable, Codable {
  public var seed: UInt64
  public var models: [ModelReport]
  /// Paired comparisons of test NDCG@K (the config's cut-off) on the same users, keyed "a vs b" (a − b).
  public var comparisons: [String: PairedComparison]
  public var seconds: Double

  public func model(_ name: String) -> ModelReport? { models.first { $0.name == name } }
}

/// A metric of one model over seeds.
public struct ModelSummary: Sendable, Codable {
  public var name: String
  public var parameters: Int
  /// At the config's cut-off K.
  public var ndcg: MeanStd
  public var hr: MeanStd
  public var recall: MeanStd
  public var auc: MeanStd
  public var logLoss: MeanStd?
  public var coverage10: MeanStd
}

public struct DatasetSummary: Sendable, Codable {
  public var source: String
  public var users: Int
  public var items: Int
  public var interactions: Int
  public var genres: Int
  public var yearBuckets: Int
  public var train: Int
  public var validation: Int
  public var test: Int
  public var rowsFiltered: Int
  public var duplicatesMerged: Int
}

/// The structured result of `runPipeline`: JSON-encodable.
public struct PipelineReport: Sendable, Codable {
  public var dataset: DatasetSummary
  public var config: PipelineConfig
  public var seeds: [SeedReport]
  public var summary: [ModelSummary]
  /// Paired comparisons on per-user NDCG@K averaged over seeds.
  public var pooledComparisons: [String: PairedComparison]
  /// How many seeds each comparison's mean difference was positive on.
  public var seedWins: [String: Int]
  public var loadSeconds: Double
  public var totalSeconds: Double
}

/// Trained models of one seed, for export.
public struct TrainedModels: Sendable {
  public var seed: UInt64
  public var teacher: DeepFM?
  public var student: DeepFM
  public var distilledStudent: DeepFM
  public var twoTower: TwoTower
  public var distilledTwoTower: TwoTower
  public var popularity: PopularityScorer
  /// Event logs: the distilled students trained without the context fields.
  public var distilledStudentNoContext: DeepFM?
  public var distilledTwoTowerNoContext: TwoTower?
}

public struct PipelineResult: Sendable {
  public var report: PipelineReport
  public var dataset: Dataset
  public var split: Split
  /// One entry per seed trained in this run, in `config.seeds` order (restored seeds have none).
  public var models: [TrainedModels]
}

/// Model names used in reports.
public enum ModelName {
  public static let popularity = "popularity"
  public static let als = "als"
  /// The teacher's DeepFM before the ALS term is fused in.
  public static let teacherDeepFM = "teacher-deepfm"
  /// Event logs' hub baselines (`EventLogBaselines`).
  public static let popularInContext = "popular-in-context"
  public static let userHabit = "user-habit"
  /// Reference models, not distillation products: no share of the teacher is reported for them.
  public static let baselines: Set<String> = [popularity, als, teacherDeepFM, popularInContext, userHabit]
  public static let teacher = "teacher"
  public static let student = "student"
  public static let distilledStudent = "student-distilled"
  public static let twoTower = "two-tower"
  public static let distilledTwoTower = "two-tower-distilled"
  /// Event logs: the distilled students without the context fields.
  public static let distilledStudentNoContext = "student-distilled-no-context"
  public static let distilledTwoTowerNoContext = "two-tower-distilled-no-context"
  /// Event logs: a distilled student answering every held-out event for an unknown home
  /// (`ColdStartScorer`), e.g. "two-tower-distilled-new-home".
  public static let newHomeSuffix = "-new-home"
}

/// A trained model, for whoever deploys it.
public enum TrainedModel: Sendable {
  case deepFM(DeepFM)
  case twoTower(TwoTower)

  public var inMemoryScorer: any Scorer {
    switch self {
    case .deepFM(let model): return model.makeScorer()
    case .twoTower(let model): return model.makeScorer()
    }
  }
}

/// Turns each trained model into the scorer the report's test metrics come from. The toolkit
/// exports the model to a .rlm file and scores it through the runtime, so the reported test
/// metrics are those of the deployed file; without a deployment the in-memory models are
/// evaluated.
public protocol ModelDeployment: AnyObject {
  /// Called once per trained model, after the data set and split are known.
  func deploy(
    _ model: TrainedModel, name: String, seed: UInt64, dataset: Dataset, split: Split, sharedItems: ItemRowSharing?
  ) throws -> any Scorer
}

/// Where a multi-seed run keeps each finished seed, so a run cut short resumes at the first
/// seed it had not finished (a seed of the full pipeline takes about half an hour).
public protocol SeedCheckpoints: AnyObject {
  /// The report of `seed` from an earlier run of the same settings, or nil to train it.
  func restore(seed: UInt64) throws -> SeedReport?
  /// Called when `report`'s seed is finished (trained, deployed and evaluated).
  func save(_ report: SeedReport) throws
}

/// Runs the whole chain: load → split → teacher → students with and without distillation →
/// evaluation of everything (the popularity and ALS baselines included) on validation and test,
/// for every seed.
/// Distillation uses the in-memory teacher's logits, or with `teacherScoresPath` the file's.
/// With `checkpoints`, seeds it restores are not trained again (and have no entry in `models`).
public func runPipeline(
  _ config: PipelineConfig, deployment: ModelDeployment? = nil, checkpoints: SeedCheckpoints? = nil
) throws -> PipelineResult {
  let started = DispatchTime.now()
  let log = ProgressBar(label: "pipeline", enabled: config.progress)
  let raw = try config.data.load(minRating: config.minRating)
  let dataset = try Dataset(raw)
  let split = Split(dataset)
  let fileTeacher = try config.teacherScoresPath.map { try FileTeacherScores(path: $0, dataset: dataset) }
  let loadSeconds = secondsSince(started)
  log.message(
    "data: \(dataset.userCount) users, \(dataset.itemCount) items, split \(split.train.count)/\(split.validation.count)/\(split.test.count) (\(format(loadSeconds, 1))s)")

  var seedReports: [SeedReport] = []
  var allModels: [TrainedModels] = []
  for seed in config.seeds {
    if let restored = try checkpoints?.restore(seed: seed) {
      log.message("seed \(seed): finished by an earlier run, restored")
      seedReports.append(restored)
      continue
    }
    let seedStart = DispatchTime.now()
    var reports: [ModelReport] = []
    /// Validation metrics come from the in-memory model (they only describe model selection);
    /// test metrics from the deployed scorer, when there is one.
    func record(
      _ name: String, _ scorer: any Scorer, deployed: (any Scorer)? = nil, parameters: Int, history: TrainingHistory?,
      trainSeconds: Double
    ) {
      var options = config.evaluation
      options.seed = seed
      let validation = evaluate(scorer, split: split, on: .validation, options: options)
      let test = evaluate(deployed ?? scorer, split: split, on: .test, options: options)
      reports.append(ModelReport(
        name: name, parameters: parameters, validation: validation, test: test, training: history,
        trainSeconds: trainSeconds))
      let k = config.cutoff
      log.message(
        "seed \(seed) \(name): params \(parameters) val NDCG@\(k) \(format(validation.at(k)?.ndcg ?? .nan, 4)) test NDCG@\(k) \(format(test.at(k)?.ndcg ?? .nan, 4)) HR@\(k) \(format(test.at(k)?.hr ?? .nan, 4)) AUC \(format(test.auc ?? .nan, 4)) (train \(format(trainSeconds, 1))s)")
    }

    let popularity = PopularityScorer(train: split.train, itemCount: dataset.itemCount)
    if let eventLog = split.eventLog, let requests = dataset.requests {
      // A hub's baselines count events; ALS (users × items) has no place for the context.
      for baseline in try EventLogBaselines.make(log: eventLog, requests: requests, dataset: dataset, config: config) {
        record(baseline.name, baseline.scorer, parameters: baseline.scorer.parameterCount, history: nil, trainSeconds: 0)
      }
    } else {
      record(ModelName.popularity, popularity, parameters: dataset.itemCount, history: nil, trainSeconds: 0)
    }
    var als: ImplicitALS? = nil
    if var options = config.als, !split.isEventLog {
      options.seed = seed
      let fitStart = DispatchTime.now()
      let fitted = ImplicitALS(train: split.train, itemCount: dataset.itemCount, options: options)
      record(ModelName.als, fitted.makeScorer(), parameters: fitted.parameterCount, history: nil, trainSeconds: secondsSince(fitStart))
      als = fitted
    }

    var teacherModel: DeepFM? = nil
    let teacherScores: any TeacherScores
    if let fileTeacher {
      teacherScores = fileTeacher
    } else {
      var options = config.teacherTraining
      options.seed = seed
      let initial = DeepFM(
        config: config.teacher, userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, requests: dataset.requests, seed: seed)
      var (model, history) = train(
        initial, split: split, options: options, progress: config.progress ? ProgressBar(label: "teacher") : nil)
      var matrix = DenseTeacherScores(scorer: model.makeScorer(), userCount: split.userCount)
      if let share = config.alsFusion, share > 0, let als {
        record(ModelName.teacherDeepFM, matrix, parameters: model.parameterCount, history: history, trainSeconds: history.seconds)
        model = try model.fusing(als, share: share, logits: matrix)
        if let fused = model.fusedFactors { matrix = matrix.adding(fused) }
      }
      teacherModel = model
      let deployed = try deployment?.deploy(
        .deepFM(model), name: ModelName.teacher, seed: seed, dataset: dataset, split: split, sharedItems: nil)
      record(ModelName.teacher, matrix, deployed: deployed, parameters: model.parameterCount, history: history, trainSeconds: history.seconds)
      teacherScores = matrix
    }

    /// Trains a student (and with `compression`, prunes it and shares rare items' rows).
    func fitStudent<M: ItemRowsSharable & NeuronPrunable>(
      _ name: String, _ initial: M, _ options: TrainingOptions, distill: DistillationOptions?,
      compression: CompressionOptions = CompressionOptions()
    ) throws -> CompressedModel<M> {
      var options = options
      options.seed = seed
      return try trainCompressed(
        initial, split: split, options: options, teacher: distill == nil ? nil : teacherScores,
        distillation: distill, compression: compression, progress: config.progress ? ProgressBar(label: name) : nil)
    }
    /// Deploys a trained student and records its evaluation.
    func reportStudent<M: TrainableModel>(
      _ name: String, _ result: CompressedModel<M>, as trained: (M) -> TrainedModel, newHome: Bool = false
    ) throws -> M {
      let (model, history) = (result.model, result.history)
      let deployed = try deployment?.deploy(
        trained(model), name: name, seed: seed, dataset: dataset, split: split, sharedItems: result.sharing)
      let scorer = model.makeScorer()
      record(name, scorer, deployed: deployed, parameters: model.parameterCount, history: history, trainSeconds: history.seconds)
      if newHome && split.isEventLog {
        // The same file answering every held-out event as a home it has never seen.
        let cold = dataset.coldStartRequest
        record(
          name + ModelName.newHomeSuffix, ColdStartScorer(scorer, coldStartRequest: cold),
          deployed: deployed.map { ColdStartScorer($0, coldStartRequest: cold) }, parameters: model.parameterCount,
          history: nil, trainSeconds: 0)
      }
      return model
    }
    func newStudent(_ requests: RequestFeatures?) -> DeepFM {
      DeepFM(
        config: config.student, userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, requests: requests, seed: seed &+ 1)
    }
    func newTower(_ requests: RequestFeatures?) -> TwoTower {
      TwoTower(
        config: config.twoTower, userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, requests: requests, seed: seed &+ 2)
    }
    let studentInit = newStudent(dataset.requests), towerInit = newTower(dataset.requests)
    var towerCompression = CompressionOptions(minCount: config.compression.minCount)
    towerCompression.fineTuneEpochs = config.compression.fineTuneEpochs
    // Students depend on the teacher only: a DeepFM student and a two-tower one train side by
    // side (their steps are mostly serial, so each leaves a core free), then are reported in
    // the usual order. Each training is deterministic on its own: the models are the same.
    let (studentFit, towerFit) = try inParallel(
      { try fitStudent(ModelName.student, studentInit, config.studentTraining, distill: nil) },
      { try fitStudent(ModelName.twoTower, towerInit, config.twoTowerTraining, distill: nil) })
    let (distilledFit, distilledTowerFit) = try inParallel(
      {
        try fitStudent(
          ModelName.distilledStudent, studentInit, config.studentTraining, distill: config.distillation,
          compression: config.compression)
      },
      {
        try fitStudent(
          ModelName.distilledTwoTower, towerInit, config.twoTowerTraining, distill: config.twoTowerDistillation,
          compression: towerCompression)
      })
    let student = try reportStudent(ModelName.student, studentFit, as: TrainedModel.deepFM)
    let distilled = try reportStudent(ModelName.distilledStudent, distilledFit, as: TrainedModel.deepFM, newHome: true)
    let tower = try reportStudent(ModelName.twoTower, towerFit, as: TrainedModel.twoTower)
    let distilledTower = try reportStudent(
      ModelName.distilledTwoTower, distilledTowerFit, as: TrainedModel.twoTower, newHome: true)
    // The same distilled students on the same request rows without their context: the value of context.
    var distilledNoContext: DeepFM? = nil, distilledTowerNoContext: TwoTower? = nil
    if let requests = dataset.requests {
      let (studentNoContext, towerNoContext) = try inParallel(
        {
          try fitStudent(
            ModelName.distilledStudentNoContext, newStudent(requests.withoutContext()), config.studentTraining,
            distill: config.distillation)
        },
        {
          try fitStudent(
            ModelName.distilledTwoTowerNoContext, newTower(requests.withoutContext()), config.twoTowerTraining,
            distill: config.twoTowerDistillation)
        })
      distilledNoContext = try reportStudent(ModelName.distilledStudentNoContext, studentNoContext, as: TrainedModel.deepFM)
      distilledTowerNoContext = try reportStudent(
        ModelName.distilledTwoTowerNoContext, towerNoContext, as: TrainedModel.twoTower)
    }

    var comparisons: [String: PairedComparison] = [:]
    for (a, b) in comparisonPairs(hasTeacher: teacherModel != nil, eventLog: split.isEventLog) {
      guard let ra = reports.first(where: { $0.name == a }), let rb = reports.first(where: { $0.name == b }),
        let na = ra.test.ndcgPerUser(at: config.cutoff), let nb = rb.test.ndcgPerUser(at: config.cutoff)
      else { continue }
      comparisons["\(a) vs \(b)"] = PairedComparison(a: na, b: nb, resamples: config.bootstrapResamples, seed: seed)
    }
    let seedReport = SeedReport(seed: seed, models: reports, comparisons: comparisons, seconds: secondsSince(seedStart))
    try checkpoints?.save(seedReport)
    seedReports.append(seedReport)
    allModels.append(TrainedModels(
      seed: seed, teacher: teacherModel, student: student, distilledStudent: distilled, twoTower: tower,
      distilledTwoTower: distilledTower, popularity: popularity, distilledStudentNoContext: distilledNoContext,
      distilledTwoTowerNoContext: distilledTowerNoContext))
  }

  let report = PipelineReport(
    dataset: DatasetSummary(
      source: dataset.source, users: dataset.userCount, items: dataset.itemCount,
      interactions: dataset.interactionCount, genres: dataset.genreNames.count,
      yearBuckets: dataset.yearBuckets.count, train: split.train.count,
      validation: split.validation.count, test: split.test.count, rowsFiltered: dataset.rowsFiltered,
      duplicatesMerged: dataset.duplicatesMerged),
    config: config, seeds: seedReports, summary: summarize(seedReports, cutoff: config.cutoff),
    pooledComparisons: pooledComparisons(seedReports, cutoff: config.cutoff, resamples: config.bootstrapResamples),
    seedWins: seedWins(seedReports), loadSeconds: loadSeconds, totalSeconds: secondsSince(started))
  return PipelineResult(report: report, dataset: dataset, split: split, models: allModels)
}

func comparisonPairs(hasTeacher: Bool, eventLog: Bool = false) -> [(String, String)] {
  var pairs = [
    (ModelName.distilledStudent, ModelName.student),
    (ModelName.distilledTwoTower, ModelName.twoTower),
  ]
  if eventLog {
    let baselines = [ModelName.popularity, ModelName.popularInContext, ModelName.userHabit]
    for model in (hasTeacher ? [ModelName.teacher] : []) + [ModelName.distilledStudent, ModelName.distilledTwoTower] {
      pairs += baselines.map { (model, $0) }
    }
    pairs += [
      (ModelName.distilledStudent, ModelName.distilledStudentNoContext),
      (ModelName.distilledTwoTower, ModelName.distilledTwoTowerNoContext),
      (ModelName.distilledStudent + ModelName.newHomeSuffix, ModelName.popularInContext),
      (ModelName.distilledTwoTower + ModelName.newHomeSuffix, ModelName.popularInContext),
    ]
    if hasTeacher { pairs += [(ModelName.distilledStudent, ModelName.teacher), (ModelName.distilledTwoTower, ModelName.teacher)] }
    return pairs
  }
  if hasTeacher {
    pairs += [
      (ModelName.teacher, ModelName.popularity),
      (ModelName.teacher, ModelName.als),
      (ModelName.teacher, ModelName.teacherDeepFM),
      (ModelName.distilledStudent, ModelName.teacher),
      (ModelName.distilledTwoTower, ModelName.teacher),
    ]
  }
  return pairs
}

/// Mean ± std over seeds of each model's headline test metrics (NDCG, HR and recall at `cutoff`).
func summarize(_ seeds: [SeedReport], cutoff: Int) -> [ModelSummary] {
  guard let first = seeds.first else { return [] }
  return first.models.map { model in
    let runs = seeds.compactMap { $0.model(model.name) }
    let losses = runs.compactMap { $0.test.logLoss }
    return ModelSummary(
      name: model.name, parameters: model.parameters,
      ndcg: MeanStd(runs.map { $0.test.at(cutoff)?.ndcg ?? .nan }), hr: MeanStd(runs.map { $0.test.at(cutoff)?.hr ?? .nan }),
      recall: MeanStd(runs.map { $0.test.at(cutoff)?.recall ?? .nan }),
      auc: MeanStd(runs.map { $0.test.auc ?? .nan }),
      logLoss: losses.count == runs.count && !losses.isEmpty ? MeanStd(losses) : nil,
      coverage10: MeanStd(runs.map(\.test.coverageAt10)))
  }
}

/// Paired bootstrap on per-user NDCG@`cutoff` averaged over seeds (same users in every seed).
func pooledComparisons(_ seeds: [SeedReport], cutoff: Int, resamples: Int) -> [String: PairedComparison] {
  guard let first = seeds.first else { return [:] }
  var result: [String: PairedComparison] = [:]
  for key in first.comparisons.keys {
    let names = key.components(separatedBy: " vs ")
    guard names.count == 2 else { continue }
    func averaged(_ name: String) -> [Double]? {
      let runs = seeds.compactMap { $0.model(name)?.test.ndcgPerUser(at: cutoff) }
      guard runs.count == seeds.count, let n = runs.first?.count else { return nil }
      return (0..<n).map { u in runs.reduce(0) { $0 + $1[u] } / Double(runs.count) }
    }
    if let a = averaged(names[0]), let b = averaged(names[1]) {
      result[key] = PairedComparison(a: a, b: b, resamples: resamples, seed: 11)
    }
  }
  return result
}

func seedWins(_ seeds: [SeedReport]) -> [String: Int] {
  var wins: [String: Int] = [:]
  for seed in seeds {
    for (key, comparison) in seed.comparisons {
      wins[key, default: 0] += comparison.meanDifference > 0 ? 1 : 0
    }
  }
  return wins
}
