// `reclite sweep`: trains every student of the grid once (distilled from one teacher, pruned as
// asked), exports each in every encoding and catalog form, evaluates every file through the
// runtime on the same split, and writes report.json and report/index.html. Each finished point
// is its own pair of files (models/NAME.rlm, points/NAME.json, written in that order, each
// atomically), so an interrupted sweep keeps them and a rerun with the same settings skips them.

import Dispatch
import Foundation
import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public enum SweepRun {
  public static func run(_ config: SweepConfig, output: URL) throws -> SweepReport {
    let started = DispatchTime.now()
    let (students, skipped) = try config.students()
    if let maxBytes = config.maxBytes, maxBytes <= 0 { throw SweepGridError.option("--max-bytes must be positive") }
    if let limit = config.maxLatencyMicroseconds, !(limit > 0) { throw SweepGridError.option("--max-latency-us must be positive") }
    let log = ProgressBar(label: "sweep", enabled: config.progress)
    let dataset = try Dataset(try config.data.load(minRating: config.minRating))
    let split = Split(dataset)
    let layout = SweepFiles(output)
    try layout.create()
    var finished = try layout.finishedPoints(fingerprint: config.fingerprint)
    let keys = students.flatMap { config.points(of: $0) }
    let todo = keys.filter { finished[$0.name(seed: config.seed)] == nil }.count
    log.message(
      "sweep: \(students.count) students, \(keys.count) points (\(keys.count - todo) already done in \(output.path)); data \(dataset.userCount) users, \(dataset.itemCount) items")
    let progress = SweepProgress(total: todo, enabled: config.progress)

    let (teacherLogits, teacher) = try prepareTeacher(config, dataset: dataset, split: split, layout: layout, log: log)
    // Scored only when a student is trained (a rerun with every point done needs no logits).
    var teacherScores: (any TeacherScores)? = nil
    var records: [SweepStudentRecord] = []
    var trainedDense: [String: TrainedModel] = [:]
    for student in students {
      let studentKeys = config.points(of: student)
      let missing = studentKeys.filter { finished[$0.name(seed: config.seed)] == nil }
      if missing.isEmpty, let record = layout.studentRecord(student.name, fingerprint: config.fingerprint) {
        records.append(record)
        continue
      }
      if teacherScores == nil { teacherScores = try teacherLogits() }
      log.message("training \(student.name)")
      let trained = try train(
        student, config: config, dataset: dataset, split: split, teacher: teacherScores!, warmStart: trainedDense[student.dense.name])
      if student.compression.prune == 0 { trainedDense[student.name] = trained.model }
      let record = SweepStudentRecord(
        name: student.name, student: student, fingerprint: config.fingerprint, parameters: trained.model.parameterCount,
        history: trained.history)
      try layout.save(record)
      records.append(record)
      // Per encoding, the CSR choice and the scored file of the first catalog form exported: the
      // other forms change no weight, so they reuse both once their scores are checked equal.
      var siblings: [String: Sibling] = [:]
      for key in missing {
        let point = try export(key, trained, config: config, dataset: dataset, split: split, layout: layout, siblings: &siblings)
        finished[point.name] = point
        progress.finished(point)
      }
    }

    let points = keys.compactMap { finished[$0.name(seed: config.seed)] }
    var report = SweepReport(
      config: config, dataset: dataset.source, teacher: teacher, students: records, points: points, skipped: skipped,
      frontierBytes: SweepChoice.frontier(points) { Double($0.metrics.fileBytes) },
      frontierLatency: SweepChoice.frontier(points) { $0.metrics.microseconds }, chosen: nil,
      budget: SweepChoice.describe(maxBytes: config.maxBytes, maxMicroseconds: config.maxLatencyMicroseconds),
      seconds: secondsSince(started))
    var budgetError: Error? = nil
    do {
      report.chosen = try SweepChoice.choose(points, maxBytes: config.maxBytes, maxMicroseconds: config.maxLatencyMicroseconds)?.name
    } catch {
      budgetError = error
    }
    try layout.write(report)
    if let budgetError {
      throw SweepGridError.option("\(budgetError); every point is in \(output.appendingPathComponent("report/index.html").path)")
    }
    return report
  }

  /// What a trained student is: the model for export, its training curves and row sharing.
  struct Trained {
    var model: TrainedModel
    var history: TrainingHistory
    var sharing: ItemRowSharing?
  }

  static func scaled(_ options: TrainingOptions, _ scale: Double, seed: UInt64) -> TrainingOptions {
    var options = options
    options.epochs = max(1, Int((Double(options.epochs) * scale).rounded()))
    options.validateFrom = min(options.validateFrom, options.epochs)
    options.seed = seed
    return options
  }

  private static func train(
    _ student: SweepStudent, config: SweepConfig, dataset: Dataset, split: Split, teacher: any TeacherScores,
    warmStart: TrainedModel?
  ) throws -> Trained {
    var compression = student.compression
    compression.fineTuneEpochs = max(1, Int((Double(compression.fineTuneEpochs) * config.epochScale).rounded()))
    compression.rampEpochs = max(1, Int((Double(compression.rampEpochs) * config.epochScale).rounded()))
    let bar = config.progress ? ProgressBar(label: student.name) : nil
    switch student.model {
    case .twoTower:
      let initial = TwoTower(
        config: TwoTowerConfig(embeddingDim: student.dim, outputDim: student.dim), userCount: dataset.userCount,
        itemCount: dataset.itemCount, features: dataset.features, seed: config.seed &+ 2)
      let result = try trainCompressed(
        initial, split: split, options: scaled(PipelineDefaults.twoTowerTraining, config.epochScale, seed: config.seed),
        teacher: teacher, distillation: PipelineDefaults.twoTowerDistillation, compression: compression, progress: bar,
        warmStart: warmStart.flatMap { if case .twoTower(let m) = $0 { return m } else { return nil } })
      return Trained(model: .twoTower(result.model), history: result.history, sharing: result.sharing)
    case .student:
      var shape = PipelineDefaults.student
      shape.dim = student.dim
      let initial = DeepFM(
        config: shape, userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features,
        seed: config.seed &+ 1)
      let result = try trainCompressed(
        initial, split: split, options: scaled(PipelineDefaults.studentTraining, config.epochScale, seed: config.seed),
        teacher: teacher, distillation: PipelineDefaults.distillation, compression: compression, progress: bar,
        warmStart: warmStart.flatMap { if case .deepFM(let m) = $0 { return m } else { return nil } })
      return Trained(model: .deepFM(result.model), history: result.history, sharing: result.sharing)
    }
  }

  /// Exports one point (choosing CSR for pruned layers by measurement), evaluates the written
  /// file through the runtime, and saves both.
  private static func export(
    _ key: SweepPointKey, _ trained: Trained, config: SweepConfig, dataset: Dataset, split: Split, layout: SweepFiles,
    siblings: inout [String: Sibling]
  ) throws -> SweepPoint {
    let name = key.name(seed: config.seed)
    let context = ModelExport.context(
      for: trained.model, name: key.student.name, seed: config.seed, dataset: dataset, split: split,
      provenance: ["dataset": dataset.source, "command": "reclite sweep", "sweep.point": name], sharedItems: trained.sharing)
    let requests = ModelExport.timedRequests(dataset: dataset, split: split)
    let (builder, options, measurements) = try ModelExport.builderChoosingCSR(
      trained.model, context: context, options: key.options, requests: requests, measured: siblings[key.encoding]?.csr)
    let file = layout.model(name)
    let (_, scorer) = try ModelExport.write(builder, options: options, to: file, dataset: dataset)
    let metrics: SweepMetrics
    var metricsOf: String? = nil
    if let sibling = siblings[key.encoding], sameScores(scorer, sibling.scorer, rows: min(Sibling.checkedRows, split.userCount)) {
      metrics = try cost(scorer, quality: sibling.metrics, requests: requests)
      metricsOf = sibling.name
    } else {
      metrics = try measure(scorer, split: split, requests: requests, seed: config.seed)
      siblings[key.encoding] = Sibling(name: name, csr: measurements, scorer: scorer, metrics: metrics)
    }
    let point = SweepPoint(
      name: name, key: key, fingerprint: config.fingerprint, file: file.path, parameters: trained.model.parameterCount,
      sparsity: trained.model.prunedFraction, metrics: metrics, csr: measurements, sharedItems: trained.sharing?.sharedCount ?? 0,
      metricsOf: metricsOf)
    try layout.save(point)
    return point
  }

  /// A point already exported and evaluated in the same encoding (another catalog form).
  struct Sibling {
    /// User rows whose scores for the whole catalog must be bit-identical to reuse the metrics.
    static let checkedRows = 32
    var name: String
    var csr: [SparseLayerChoice.Measurement]
    var scorer: RuntimeScorer
    var metrics: SweepMetrics
  }

  /// Validation and test metrics, latency and bytes of an opened file. `scores`, the file's
  /// scores for every user and item already computed through the runtime, saves scoring again.
  static func measure(
    _ scorer: RuntimeScorer, split: Split, requests: (users: [Int64], exclude: [[Int64]]), seed: UInt64,
    scores: DenseTeacherScores? = nil
  ) throws -> SweepMetrics {
    let ranked: any Scorer = scores ?? scorer
    let validation = evaluate(
      ranked, split: split, on: .validation, options: EvaluationOptions(cutoffs: [10], negativesPerPositive: 0, seed: seed))
    var options = EvaluationOptions(seed: seed)
    options.rocPoints = 101
    let test = evaluate(ranked, split: split, on: .test, options: options)
    let quality = SweepMetrics(
      validationNDCG10: validation.ndcg10, ndcg10: test.ndcg10, hr10: test.hr10, auc: test.auc, roc: test.roc,
      microseconds: 0, fileBytes: 0, bytes: FileBytes(scorer.model))
    return try cost(scorer, quality: quality, requests: requests)
  }

  /// `quality`'s ranking metrics with this file's latency and bytes.
  static func cost(
    _ scorer: RuntimeScorer, quality: SweepMetrics, requests: (users: [Int64], exclude: [[Int64]])
  ) throws -> SweepMetrics {
    var metrics = quality
    metrics.microseconds = try RecommendLatency.measure(
      scorer.model, users: requests.users, exclude: requests.exclude, budgetSeconds: 2).meanMicroseconds
    metrics.fileBytes = scorer.model.graph.fileBytes
    metrics.bytes = FileBytes(scorer.model)
    return metrics
  }

  /// Whether two files score the whole catalog bit-identically for the first `rows` user rows.
  static func sameScores(_ a: RuntimeScorer, _ b: RuntimeScorer, rows: Int) -> Bool {
    guard a.itemCount == b.itemCount else { return false }
    var x = [Float](repeating: 0, count: a.itemCount), y = x
    for user in 0..<rows {
      x.withUnsafeMutableBufferPointer { a.scoreAll(userRow: user, into: $0) }
      y.withUnsafeMutableBufferPointer { b.scoreAll(userRow: user, into: $0) }
      if x != y { return false }
    }
    return true
  }

  /// The teacher's logits for distillation (computed when called) and its reference record: a
  /// .rlm file (given, or trained here and then measured through the runtime) or a file of scores.
  /// A teacher trained here teaches from its in-memory logits, as in the pipeline; a file's scores
  /// through the runtime are the same logits (`TeacherFile` refuses a file whose are not).
  private static func prepareTeacher(
    _ config: SweepConfig, dataset: Dataset, split: Split, layout: SweepFiles, log: ProgressBar
  ) throws -> (() throws -> any TeacherScores, SweepTeacherRecord) {
    let path: String
    var trained: DenseTeacherScores? = nil
    switch config.teacher {
    case .scores(let csv):
      let record = SweepTeacherRecord(source: "scores \(csv)", fingerprint: config.fingerprint, metrics: nil)
      return ({ try FileTeacherScores(path: csv, dataset: dataset) }, record)
    case .file(let file):
      path = file
    case .train:
      let file = layout.model("teacher-seed\(config.seed)")
      if !FileManager.default.fileExists(atPath: file.path) {
        log.message("training the teacher (DeepFM with ALS fused in; pass --teacher FILE to reuse one)")
        trained = try trainTeacher(config, dataset: dataset, split: split, to: file)
      }
      path = file.path
    }
    let opened: (scorer: RuntimeScorer, warning: String?)
    do { opened = try TeacherFile.open(path, dataset: dataset) } catch let refusal as TeacherFile.Refusal {
      throw SweepGridError.option(refusal.description)
    }
    if let warning = opened.warning { log.message("warning: \(warning)") }
    let scorer = opened.scorer
    // The file's scores through the runtime, computed once: the reference's metrics and (for a
    // given file) the soft labels.
    var fileScores: DenseTeacherScores? = nil
    func scoreFile() -> DenseTeacherScores {
      if let fileScores { return fileScores }
      log.message("teacher \(path): scoring every user and item through the runtime")
      let scores = DenseTeacherScores(scorer: scorer, userCount: dataset.userCount)
      fileScores = scores
      return scores
    }
    var record = layout.teacherRecord(fingerprint: config.fingerprint)
    if record == nil {
      let metrics = try measure(
        scorer, split: split, requests: ModelExport.timedRequests(dataset: dataset, split: split), seed: config.seed,
        scores: scoreFile())
      record = SweepTeacherRecord(source: path, fingerprint: config.fingerprint, metrics: metrics)
      try layout.save(record!)
    }
    return ({ trained ?? scoreFile() }, record!)
  }

  /// The pipeline's teacher (its defaults, scaled epochs), exported as float32; returns its
  /// logits for every user and item, computed in memory as the pipeline does.
  private static func trainTeacher(_ config: SweepConfig, dataset: Dataset, split: Split, to file: URL) throws -> DenseTeacherScores {
    let options = scaled(PipelineDefaults.teacherTraining, config.epochScale, seed: config.seed)
    let initial = DeepFM(
      config: PipelineDefaults.teacher, userCount: dataset.userCount, itemCount: dataset.itemCount, features: dataset.features, seed: config.seed)
    var model = RecLiteTrain.train(initial, split: split, options: options, progress: config.progress ? ProgressBar(label: "teacher") : nil).model
    var als = PipelineDefaults.als
    als.seed = config.seed
    model = try model.fusingALS(train: split.train, options: als, share: PipelineDefaults.alsFusion)
    let context = ModelExport.context(
      for: .deepFM(model), name: ModelName.teacher, seed: config.seed, dataset: dataset, split: split,
      provenance: ["dataset": dataset.source, "command": "reclite sweep"])
    _ = try ModelExport.write(try ModelExport.builder(.deepFM(model), context: context, options: .exact), options: .exact, to: file, dataset: dataset)
    return DenseTeacherScores(scorer: model.makeScorer(), userCount: split.userCount)
  }
}

extension TrainedModel {
  /// Zero weights in the model's prunable (dense) layers.
  var prunedFraction: Double {
    switch self {
    case .deepFM(let m): return measuredSparsity(m)
    case .twoTower(let m): return measuredSparsity(m)
    }
  }
}

/// Prints one line per finished point with a bar, the count and the time left.
final class SweepProgress {
  private let total: Int
  private let enabled: Bool
  private var done = 0
  private let started = DispatchTime.now()

  init(total: Int, enabled: Bool) {
    self.total = total
    self.enabled = enabled
  }

  func finished(_ point: SweepPoint) {
    done += 1
    guard enabled else { return }
    let elapsed = secondsSince(started)
    let left = done < total ? elapsed / Double(done) * Double(total - done) : 0
    let width = 20
    let filled = total > 0 ? width * done / total : width
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    let m = point.metrics
    FileHandle.standardError.write(Data(String(
      format: "sweep [%@] %d/%d points, %@ elapsed, ~%@ left: %@ NDCG@10 %.4f, %@ bytes, %.1f µs\n", bar, done, total,
      duration(elapsed), duration(left), point.name, m.ndcg10, m.fileBytes.grouped, m.microseconds).utf8))
  }

  private func duration(_ seconds: Double) -> String {
    seconds < 60 ? String(format: "%.0fs", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
  }
}

func secondsSince(_ start: DispatchTime) -> Double {
  Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
