// `reclite tune`: re-decides the pipeline's defaults from the validation split alone, so anyone
// can rerun the choice and see it. Each stage searches its knobs one at a time around the
// current defaults (coordinate search), scoring a setting by its mean best-epoch validation
// NDCG@10 over the seeds; the test split is never evaluated here.
//
// Stages, in order (each uses what the earlier ones chose):
//   als        implicit ALS beside the teacher: factors, regularization, confidence α
//   teacher    the DeepFM teacher's training: l2, negatives, learning rate
//   fusion     the ALS score's share in the teacher's logit
//   student    the DeepFM student: learning rate, negatives, then α, T, top-K, listwise γ
//   two-tower  the two-tower student: the same knobs, and the listwise temperature

import Dispatch
import Foundation
import RecLiteTrain

/// One setting tried: its stage and knob, the value, and validation NDCG@10 per seed.
public struct TuningTrial: Sendable, Codable {
  public var stage: String
  public var knob: String
  public var value: String
  /// The whole setting scored (every knob of the stage), which identifies the trial when a
  /// run resumes from an earlier report.
  public var setting: String = ""
  public var validationNDCG10: [Double]
  public var mean: Double { validationNDCG10.reduce(0, +) / Double(max(1, validationNDCG10.count)) }
  /// Whether the stage kept this value.
  public var chosen: Bool = false
}

/// The defaults the tuning chose (what `PipelineDefaults` must hold).
public struct TunedDefaults: Sendable, Codable, Equatable {
  public var als: ImplicitALSOptions
  public var teacherTraining: TrainingOptions
  public var alsFusion: Float
  public var studentTraining: TrainingOptions
  public var distillation: DistillationOptions
  public var twoTowerTraining: TrainingOptions
  public var twoTowerDistillation: DistillationOptions

  /// The defaults in force now.
  public static var current: TunedDefaults {
    TunedDefaults(
      als: PipelineDefaults.als, teacherTraining: PipelineDefaults.teacherTraining, alsFusion: PipelineDefaults.alsFusion,
      studentTraining: PipelineDefaults.studentTraining, distillation: PipelineDefaults.distillation,
      twoTowerTraining: PipelineDefaults.twoTowerTraining, twoTowerDistillation: PipelineDefaults.twoTowerDistillation)
  }
}

/// The model sizes a tuning run trains: the pipeline's by default, smaller ones in tests.
public struct TuningArchitectures: Sendable {
  public var teacher: DeepFMConfig
  public var student: DeepFMConfig
  public var twoTower: TwoTowerConfig

  public init(teacher: DeepFMConfig, student: DeepFMConfig, twoTower: TwoTowerConfig) {
    self.teacher = teacher
    self.student = student
    self.twoTower = twoTower
  }

  public static let pipeline = TuningArchitectures(
    teacher: PipelineDefaults.teacher, student: PipelineDefaults.student, twoTower: PipelineDefaults.twoTower)
}

public struct TuningReport: Sendable, Codable {
  public var dataset: String
  public var seeds: [UInt64]
  public var started: TunedDefaults
  public var chosen: TunedDefaults
  public var trials: [TuningTrial]
  public var seconds: Double
}

public enum TuningError: Error, CustomStringConvertible {
  case resumeMismatch(String)
  public var description: String {
    switch self {
    case .resumeMismatch(let why): return "cannot resume: \(why)"
    }
  }
}

public enum Tuning {
  public static let stages = ["als", "teacher", "fusion", "student", "two-tower"]

  /// Runs the stages on `data` for `seeds`, starting from `start` (normally the current
  /// defaults); `log` receives one line per trial.
  /// `resuming` is an earlier report of the same search: its trials are reused instead of
  /// trained again (hours of teachers survive a run cut short).
  public static func run(
    data: DataSource, minRating: Double? = nil, seeds: [UInt64], stages: [String] = Tuning.stages, start: TunedDefaults = .current,
    resuming: TuningReport? = nil, checkpoint: @escaping (TuningReport) throws -> Void = { _ in }, log: @escaping (String) -> Void
  ) throws -> TuningReport {
    let dataset = try Dataset(try data.load(minRating: minRating))
    return try run(
      dataset: dataset, seeds: seeds, stages: stages, start: start, resuming: resuming, checkpoint: checkpoint, log: log)
  }

  /// The same, on a loaded data set.
  public static func run(
    dataset: Dataset, seeds: [UInt64], stages: [String] = Tuning.stages, start: TunedDefaults = .current,
    architectures: TuningArchitectures = .pipeline, resuming: TuningReport? = nil,
    checkpoint: @escaping (TuningReport) throws -> Void = { _ in }, log: @escaping (String) -> Void
  ) throws -> TuningReport {
    if let resuming {
      guard resuming.dataset == dataset.source, resuming.seeds == seeds else {
        throw TuningError.resumeMismatch(
          "the earlier report is for \(resuming.dataset), seeds \(resuming.seeds.map(String.init).joined(separator: ",")); "
            + "this run is for \(dataset.source), seeds \(seeds.map(String.init).joined(separator: ","))")
      }
      guard resuming.started == start else {
        throw TuningError.resumeMismatch("the earlier report started from other defaults (PipelineDefaults changed since)")
      }
    }
    let begin = DispatchTime.now()
    let earlierSeconds = resuming?.seconds ?? 0
    let split = Split(dataset)
    var search = Search(dataset: dataset, split: split, seeds: seeds, defaults: start, architectures: architectures, log: log)
    for trial in resuming?.trials ?? [] where !trial.setting.isEmpty {
      search.scored[Search.key(stage: trial.stage, setting: trial.setting)] = trial.validationNDCG10
    }
    let report = { (defaults: TunedDefaults, trials: [TuningTrial]) in
      TuningReport(
        dataset: dataset.source, seeds: seeds, started: start, chosen: defaults, trials: trials,
        seconds: earlierSeconds + Double(DispatchTime.now().uptimeNanoseconds - begin.uptimeNanoseconds) / 1e9)
    }
    // After every setting scored the report so far goes to `checkpoint`, so a run cut short
    // (a teacher stage takes hours) loses at most the setting in progress.
    search.afterTrial = { try checkpoint(report($0, $1)) }
    let steps: [(String, (inout Search) throws -> Void)] = [
      ("als", { try $0.tuneALS() }), ("teacher", { try $0.tuneTeacher() }), ("fusion", { try $0.tuneFusion() }),
      ("student", { try $0.tuneStudent() }), ("two-tower", { try $0.tuneTwoTower() }),
    ]
    for (stage, step) in steps where stages.contains(stage) {
      try step(&search)
      try checkpoint(report(search.defaults, search.trials))
    }
    return report(search.defaults, search.trials)
  }

  /// The report as Markdown: a table per stage (every setting tried, per seed and mean), then
  /// the chosen defaults.
  public static func markdown(_ report: TuningReport) -> String {
    var out = "# Defaults chosen on validation\n\n"
    out += "`reclite tune` on \(report.dataset), seeds \(report.seeds.map(String.init).joined(separator: ", ")): "
    out += "each knob is varied alone around the best setting so far and scored by mean best-epoch validation NDCG@10 "
    out += "over the seeds (full ranking); the test split is never evaluated. \(Int(report.seconds)) s in all (resumed runs added up).\n"
    for stage in Tuning.stages {
      let rows = report.trials.filter { $0.stage == stage }
      guard !rows.isEmpty else { continue }
      out += "\n## \(stage)\n\n| knob | value | " + report.seeds.map { "seed \($0)" }.joined(separator: " | ") + " | mean | kept |\n"
      out += "|---|---|" + report.seeds.map { _ in "---:|" }.joined() + "---:|---|\n"
      for row in rows {
        out += "| \(row.knob) | \(row.value) | " + row.validationNDCG10.map { String(format: "%.4f", $0) }.joined(separator: " | ")
        out += String(format: " | %.4f | %@ |\n", row.mean, row.chosen ? "✓" : "")
      }
    }
    let d = report.chosen
    out += "\n## Chosen\n\n"
    out += "- ALS: \(d.als.factors) factors, λ \(d.als.regularization), α \(d.als.alpha), \(d.als.iterations) iterations\n"
    out += "- teacher: lr \(d.teacherTraining.learningRate), l2 \(d.teacherTraining.l2), \(d.teacherTraining.negatives) negatives\n"
    out += "- ALS fusion share: \(d.alsFusion)\n"
    out += "- DeepFM student: lr \(d.studentTraining.learningRate), \(d.studentTraining.negatives) negatives; "
    out += describe(d.distillation) + "\n"
    out += "- two-tower student: lr \(d.twoTowerTraining.learningRate), \(d.twoTowerTraining.negatives) negatives; "
    out += describe(d.twoTowerDistillation) + "\n"
    return out
  }

  static func describe(_ d: DistillationOptions) -> String {
    "α \(d.alpha), T \(d.temperature), top-K \(d.topK), listwise γ \(d.listwiseWeight) (T \(d.listwiseTemperature), \(d.listwiseCandidates) items)"
  }
}

/// One knob of a coordinate search: its name and the values to try, each as a label and an edit.
struct Knob<Setting> {
  var name: String
  var values: [(label: String, apply: (inout Setting) -> Void)]
}

/// The state of a tuning run: the defaults chosen so far, every trial, and what later stages
/// reuse (the ALS models and the chosen teachers per seed).
struct Search {
  let dataset: Dataset
  let split: Split
  let seeds: [UInt64]
  var defaults: TunedDefaults
  let architectures: TuningArchitectures
  let log: (String) -> Void
  var trials: [TuningTrial] = []
  /// Validation NDCG@10 per seed of every setting scored so far (or in the report resumed):
  /// training is deterministic per seed, so a setting met again is not trained again.
  var scored: [String: [Double]] = [:]
  /// Called after every trial with the trials so far and the defaults chosen so far.
  var afterTrial: (_ defaults: TunedDefaults, _ trials: [TuningTrial]) throws -> Void = { _, _ in }
  private var alsModels: [UInt64: ImplicitALS] = [:]
  private var teachers: [UInt64: DeepFM] = [:]
  private var teacherScores: [UInt64: DenseTeacherScores] = [:]

  init(
    dataset: Dataset, split: Split, seeds: [UInt64], defaults: TunedDefaults, architectures: TuningArchitectures = .pipeline,
    log: @escaping (String) -> Void
  ) {
    self.dataset = dataset
    self.split = split
    self.seeds = seeds
    self.defaults = defaults
    self.architectures = architectures
    self.log = log
  }

  static func key(stage: String, setting: String) -> String { stage + "|" + setting }

  /// Coordinate search: for each knob in turn, tries its values with the other knobs at their
  /// best so far and keeps the best mean (the first tried on a tie, so the start wins ties).
  /// `score` gives validation NDCG@10 per seed; it is called once per distinct setting.
  mutating func coordinate<Setting>(
    stage: String, start: Setting, knobs: [Knob<Setting>], score: (Setting) throws -> [Double]
  ) throws -> Setting {
    var best = start
    for knob in knobs {
      var bestMean = -Double.infinity
      var bestIndex = -1
      var candidate = best
      for (label, apply) in knob.values {
        var setting = best
        apply(&setting)
        let description = "\(setting)"
        let key = Search.key(stage: stage, setting: description)
        let known = scored[key]
        let values = try known ?? score(setting)
        scored[key] = values
        let trial = TuningTrial(stage: stage, knob: knob.name, value: label, setting: description, validationNDCG10: values)
        log(String(format: "tune %@ %@ = %@: val NDCG@10 %@ (mean %.4f)%@", stage, knob.name, label,
                   values.map { String(format: "%.4f", $0) }.joined(separator: " "), trial.mean, known == nil ? "" : " (scored before)"))
        trials.append(trial)
        try afterTrial(defaults, trials)
        if trial.mean > bestMean {
          bestMean = trial.mean
          bestIndex = trials.count - 1
          candidate = setting
        }
      }
      if bestIndex >= 0 { trials[bestIndex].chosen = true }
      best = candidate
    }
    return best
  }

  // MARK: Stages

  mutating func tuneALS() throws {
    let knobs = [
      Knob<ImplicitALSOptions>(name: "factors", values: [32, 64, 128].map { f in ("\(f)", { $0.factors = f }) }),
      Knob(name: "regularization", values: [5, 10, 20].map { r in ("\(r)", { $0.regularization = Float(r) }) }),
      Knob(name: "confidence α", values: [0.5, 1, 2].map { a in ("\(a)", { $0.alpha = Float(a) }) }),
    ]
    let (dataset, split, seeds, architectures) = (self.dataset, self.split, self.seeds, self.architectures)
    defaults.als = try coordinate(stage: "als", start: defaults.als, knobs: knobs) { setting in
      seeds.map { seed in
        var options = setting
        options.seed = seed
        let als = ImplicitALS(train: split.train, itemCount: dataset.itemCount, options: options)
        return evaluate(als.makeScorer(), split: split, on: .validation, options: validationOnly(seed)).ndcg10
      }
    }
    for seed in seeds {
      var options = defaults.als
      options.seed = seed
      alsModels[seed] = ImplicitALS(train: split.train, itemCount: dataset.itemCount, options: options)
    }
  }

  mutating func tuneTeacher() throws {
    let knobs = [
      Knob<TrainingOptions>(name: "l2", values: [5e-5, 1e-4, 2e-4].map { v in ("\(v)", { $0.l2 = Float(v) }) }),
      Knob(name: "negatives", values: [8, 16].map { n in ("\(n)", { $0.negatives = n }) }),
      Knob(name: "learning rate", values: [0.0005, 0.001, 0.002].map { v in ("\(v)", { $0.learningRate = Float(v) }) }),
    ]
    var trained: [String: [UInt64: DeepFM]] = [:]
    let (dataset, split, seeds, architectures) = (self.dataset, self.split, self.seeds, self.architectures)
    defaults.teacherTraining = try coordinate(stage: "teacher", start: defaults.teacherTraining, knobs: knobs) { setting in
      let key = "\(setting)"
      var models: [UInt64: DeepFM] = [:]
      let values = seeds.map { seed -> Double in
        var options = setting
        options.seed = seed
        let initial = DeepFM(
          config: architectures.teacher, userCount: dataset.userCount, itemCount: dataset.itemCount,
          features: dataset.features, seed: seed)
        let (model, history) = train(initial, split: split, options: options)
        models[seed] = model
        return history.bestValidationNDCG10 ?? 0
      }
      trained[key] = models
      return values
    }
    teachers = trained["\(defaults.teacherTraining)"] ?? [:]
  }

  mutating func tuneFusion() throws {
    ensureTeachers()
    let shares: [Float] = [0, 0.1, 0.2, 0.35, 0.5]
    let knob = Knob<Float>(name: "ALS share", values: shares.map { w in ("\(w)", { $0 = w }) })
    var fused: [String: [UInt64: DeepFM]] = [:]
    let (split, seeds, teachers, alsModels) = (self.split, self.seeds, self.teachers, self.alsModels)
    defaults.alsFusion = try coordinate(stage: "fusion", start: defaults.alsFusion, knobs: [knob]) { share in
      var models: [UInt64: DeepFM] = [:]
      let values = try seeds.map { seed -> Double in
        guard let teacher = teachers[seed], let als = alsModels[seed] else { return 0 }
        let logits = DenseTeacherScores(scorer: teacher.makeScorer(), userCount: split.userCount)
        let model = try teacher.fusing(als, share: share, logits: logits)
        models[seed] = model
        return evaluate(model.makeScorer(), split: split, on: .validation, options: validationOnly(seed)).ndcg10
      }
      fused["\(share)"] = models
      return values
    }
    for seed in seeds {
      guard let model = fused["\(defaults.alsFusion)"]?[seed] else { continue }
      teacherScores[seed] = DenseTeacherScores(scorer: model.makeScorer(), userCount: split.userCount)
    }
  }

  mutating func tuneStudent() throws {
    let (dataset, architectures) = (self.dataset, self.architectures)
    (defaults.studentTraining, defaults.distillation) = try tuneDistilled(
      stage: "student", start: (defaults.studentTraining, defaults.distillation), extraKnobs: []
    ) { seed in
      DeepFM(
        config: architectures.student, userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, seed: seed &+ 1)
    }
  }

  mutating func tuneTwoTower() throws {
    let (dataset, architectures) = (self.dataset, self.architectures)
    let listwiseTemperature = Knob<StudentSetting>(
      name: "listwise T", values: [2, 3, 5].map { t in ("\(t)", { $0.distillation.listwiseTemperature = Float(t) }) })
    (defaults.twoTowerTraining, defaults.twoTowerDistillation) = try tuneDistilled(
      stage: "two-tower", start: (defaults.twoTowerTraining, defaults.twoTowerDistillation), extraKnobs: [listwiseTemperature]
    ) { seed in
      TwoTower(
        config: architectures.twoTower, userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, seed: seed &+ 2)
    }
  }

  /// One student stage: its training and distillation knobs (and `extraKnobs`), each setting
  /// scored by the best-epoch validation NDCG@10 of a student distilled from each seed's teacher.
  private mutating func tuneDistilled<Model: TrainableModel>(
    stage: String, start: StudentSetting, extraKnobs: [Knob<StudentSetting>], initial: @escaping (UInt64) -> Model
  ) throws -> StudentSetting {
    ensureTeacherScores()
    let (split, seeds, scores) = (self.split, self.seeds, self.teacherScores)
    let knobs = Search.trainingKnobs() + Search.distillationKnobs() + extraKnobs
    return try coordinate(stage: stage, start: start, knobs: knobs) { s in
      seeds.map { seed in
        var options = s.training
        options.seed = seed
        return train(initial(seed), split: split, options: options, teacher: scores[seed], distillation: s.distillation)
          .history.bestValidationNDCG10 ?? 0
      }
    }
  }

  // MARK: Knobs shared by the students

  typealias StudentSetting = (training: TrainingOptions, distillation: DistillationOptions)

  static func trainingKnobs() -> [Knob<StudentSetting>] {
    [
      Knob(name: "learning rate", values: [0.002, 0.005, 0.01].map { v in ("\(v)", { $0.training.learningRate = Float(v) }) }),
      Knob(name: "negatives", values: [8, 16, 32].map { n in ("\(n)", { $0.training.negatives = n }) }),
    ]
  }

  static func distillationKnobs() -> [Knob<StudentSetting>] {
    [
      Knob(name: "α", values: [0.3, 0.5, 0.7, 0.9].map { v in ("\(v)", { $0.distillation.alpha = Float(v) }) }),
      Knob(name: "T", values: [1, 2, 3].map { v in ("\(v)", { $0.distillation.temperature = Float(v) }) }),
      Knob(name: "top-K", values: [0, 10, 20].map { k in ("\(k)", { $0.distillation.topK = k }) }),
      Knob(name: "listwise γ", values: [0, 0.1, 0.2, 0.5].map { v in
        ("\(v)", { s in
          s.distillation.listwiseWeight = Float(v)
          if v > 0 && s.distillation.listwiseCandidates == 0 { s.distillation.listwiseCandidates = 400 }
        })
      }),
    ]
  }

  // MARK: What later stages need when earlier ones were skipped

  /// Teachers trained with the current teacher defaults, when the teacher stage did not run.
  private mutating func ensureTeachers() {
    if alsModels.isEmpty {
      for seed in seeds {
        var options = defaults.als
        options.seed = seed
        alsModels[seed] = ImplicitALS(train: split.train, itemCount: dataset.itemCount, options: options)
      }
    }
    guard teachers.isEmpty else { return }
    for seed in seeds {
      var options = defaults.teacherTraining
      options.seed = seed
      let initial = DeepFM(
        config: architectures.teacher, userCount: dataset.userCount, itemCount: dataset.itemCount,
        features: dataset.features, seed: seed)
      teachers[seed] = train(initial, split: split, options: options).model
    }
  }

  /// The fused teachers' scores, when the fusion stage did not run.
  private mutating func ensureTeacherScores() {
    guard teacherScores.isEmpty else { return }
    ensureTeachers()
    for seed in seeds {
      guard var model = teachers[seed], let als = alsModels[seed] else { continue }
      let logits = DenseTeacherScores(scorer: model.makeScorer(), userCount: split.userCount)
      if let fused = try? model.fusing(als, share: defaults.alsFusion, logits: logits) { model = fused }
      teacherScores[seed] = DenseTeacherScores(scorer: model.makeScorer(), userCount: split.userCount)
    }
  }
}

/// Validation ranking only (NDCG@10; no sampled pairs): what the search compares.
private func validationOnly(_ seed: UInt64) -> EvaluationOptions {
  EvaluationOptions(cutoffs: [10], negativesPerPositive: 0, seed: seed)
}
