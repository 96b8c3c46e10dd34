import Foundation
import Testing
@testable import RecLiteTrain

@Suite struct TrainingTests {
  let data: Dataset
  let split: Split
  init() throws {
    data = try Dataset(syntheticRawData())
    split = Split(data)
  }

  /// Element-wise a − b over every parameter of two models of the same shape.
  func parameterDifferences(_ a: DeepFM, _ b: DeepFM) -> [Float] {
    zip(a.namedParameters.flatMap(\.values), b.namedParameters.flatMap(\.values)).map { $0 - $1 }
  }

  func smallDeepFM(seed: UInt64) -> DeepFM {
    DeepFM(config: DeepFMConfig(dim: 4, hidden: [8, 4]), userCount: data.userCount, itemCount: data.itemCount, features: data.features, seed: seed)
  }

  /// A DeepFM trained briefly, as a teacher for the distillation tests, and a two-tower student.
  func smallTeacherAndStudent() -> (DenseTeacherScores, TwoTower) {
    let teacherModel = train(smallDeepFM(seed: 7), split: split, options: TrainingOptions(epochs: 4, batchSize: 64, learningRate: 0.02, l2: 1e-6, negatives: 4, patience: 0)).model
    let teacher = DenseTeacherScores(scorer: teacherModel.makeScorer(), userCount: data.userCount)
    let student = TwoTower(config: TwoTowerConfig(embeddingDim: 3, outputDim: 3), userCount: data.userCount, itemCount: data.itemCount, features: data.features, seed: 8)
    return (teacher, student)
  }

  @Test func sameSeedGivesIdenticalWeights() {
    let options = TrainingOptions(epochs: 2, batchSize: 64, learningRate: 0.01, l2: 1e-6, negatives: 2, patience: 1, seed: 9)
    let a = train(smallDeepFM(seed: 1), split: split, options: options).model
    let b = train(smallDeepFM(seed: 1), split: split, options: options).model
    #expect(a.namedParameters.map(\.values) == b.namedParameters.map(\.values))
    var other = options
    other.seed = 10
    let c = train(smallDeepFM(seed: 1), split: split, options: other).model
    #expect(a.namedParameters.map(\.values) != c.namedParameters.map(\.values))
    // And the same with a single thread: parallel kernels never change the result.
    let saved = Parallelism.maxThreads
    Parallelism.maxThreads = 1
    let d = train(smallDeepFM(seed: 1), split: split, options: options).model
    Parallelism.maxThreads = saved
    #expect(a.namedParameters.map(\.values) == d.namedParameters.map(\.values))
  }

  @Test func trainingLowersLossAndBeatsTheUntrainedModel() {
    let options = TrainingOptions(epochs: 6, batchSize: 64, learningRate: 0.02, l2: 1e-6, negatives: 3, patience: 0, seed: 2)
    let initial = smallDeepFM(seed: 3)
    let (model, history) = train(initial, split: split, options: options)
    #expect(history.epochs.count == 6)
    #expect(history.epochs.last!.loss < history.epochs.first!.loss * 0.9)
    let before = evaluate(initial.makeScorer(), split: split, on: .test)
    let after = evaluate(model.makeScorer(), split: split, on: .test)
    #expect(after.at(20)!.ndcg > before.at(20)!.ndcg)
    #expect(after.auc! > 0.7)
  }

  @Test func earlyStoppingKeepsTheBestEpoch() {
    let options = TrainingOptions(epochs: 8, batchSize: 64, learningRate: 0.05, l2: 1e-6, negatives: 2, patience: 1, seed: 4)
    let (model, history) = train(smallDeepFM(seed: 4), split: split, options: options)
    let scores = history.epochs.compactMap(\.validationNDCG10)
    #expect(scores.count == history.epochs.count)
    #expect(history.bestValidationNDCG10 == scores.max())
    #expect(history.epochs[history.bestEpoch - 1].validationNDCG10 == scores.max())
    // Stopped by patience 1: at most one epoch after the best unless all epochs ran.
    #expect(history.epochs.count == 8 || history.epochs.count == history.bestEpoch + 1)
    let validation = evaluate(model.makeScorer(), split: split, on: .validation, options: EvaluationOptions(cutoffs: [10], negativesPerPositive: 0))
    #expect(validation.ndcg10 == history.bestValidationNDCG10)
  }

  @Test func validationStartsAtValidateFrom() {
    let options = TrainingOptions(epochs: 4, batchSize: 64, learningRate: 0.02, l2: 1e-6, negatives: 2, patience: 5, validateFrom: 3, seed: 4)
    let (_, history) = train(smallDeepFM(seed: 4), split: split, options: options)
    #expect(history.epochs.map { $0.validationNDCG10 == nil } == [true, true, false, false])
    #expect(history.bestEpoch >= 3)
  }

  @Test func weightAverageIsTheBiasCorrectedMovingAverage() {
    // Decay ½ over w₁, w₂: (½·½·w₁ + ½·w₂) / (1 − ¼) = ⅓·w₁ + ⅔·w₂; the start w₀ has no weight.
    let w0 = smallDeepFM(seed: 1), w1 = smallDeepFM(seed: 2), w2 = smallDeepFM(seed: 3)
    var average = WeightAverage(model: w0, decay: 0.5)!
    average.update(with: w1)
    #expect(parameterDifferences(average.model, w1).map(abs).max()! < 1e-6)
    average.update(with: w2)
    for ((a, p1), p2) in zip(zip(average.model.namedParameters, w1.namedParameters), w2.namedParameters) {
      for i in a.values.indices {
        let expected = p1.values[i] / 3 + 2 * p2.values[i] / 3
        #expect(abs(a.values[i] - expected) < 1e-6, "\(a.name)[\(i)]")
      }
    }
    #expect(WeightAverage(model: w0, decay: 0) == nil)
  }

  @Test func trainingValidatesAndReturnsTheAveragedWeights() {
    // A decay this close to 1 averages every step's weights alike: the mean of a trajectory that
    // drifts away from the start lies nearer to the start than its end does.
    var options = TrainingOptions(epochs: 2, batchSize: 64, learningRate: 0.05, l2: 1e-6, negatives: 2, patience: 0, seed: 3)
    let initial = smallDeepFM(seed: 8)
    let plain = train(initial, split: split, options: options).model
    options.weightAverageDecay = 0.999_999
    let averaged = train(initial, split: split, options: options).model
    func distance(_ a: DeepFM, _ b: DeepFM) -> Float {
      parameterDifferences(a, b).reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
    #expect(distance(plain, initial) > 0.1)
    #expect(distance(averaged, initial) < 0.8 * distance(plain, initial))
    // With validation on, the kept epoch's score is the averaged model's score.
    options = TrainingOptions(epochs: 4, batchSize: 64, learningRate: 0.05, l2: 1e-6, negatives: 2, patience: 1, seed: 4)
    options.weightAverageDecay = 0.9
    let (model, history) = train(smallDeepFM(seed: 4), split: split, options: options)
    let validation = evaluate(model.makeScorer(), split: split, on: .validation, options: EvaluationOptions(cutoffs: [10], negativesPerPositive: 0))
    #expect(validation.ndcg10 == history.bestValidationNDCG10)
  }

  @Test func sparseAdamUpdatesOnlyTouchedRows() {
    var model = smallDeepFM(seed: 5)
    let before = model
    var grads = model.zeroed
    var touched = model.parameterSlots.map { TouchedRows(capacity: $0.count) }
    grads.itemEmbedding[2 * 4 + 1] = 0.5  // row 2 of the item table
    touched[1].insert(2)
    grads.mlp[0].weight[0] = 0.3
    var adam = AdamOptimizer(model: model, learningRate: 0.1, l2: 0.01)
    adam.apply(model: &model, gradients: &grads, touched: &touched)
    for row in 0..<(data.itemCount + 1) {
      let changed = (0..<4).contains { model.itemEmbedding[row * 4 + $0] != before.itemEmbedding[row * 4 + $0] }
      #expect(changed == (row == 2), "row \(row)")
    }
    #expect(model.userEmbedding == before.userEmbedding)
    // Dense weights update as a whole (L2 moves every weight), biases without decay stay.
    #expect(model.mlp[0].weight[0] < before.mlp[0].weight[0])
    #expect(model.mlp[0].weight[1] != before.mlp[0].weight[1])
    #expect(model.mlp[0].bias == before.mlp[0].bias)
    // First Adam step moves a coordinate by ≈ lr·sign(g).
    #expect(abs(model.itemEmbedding[9] - before.itemEmbedding[9] + 0.1) < 1e-3)
    #expect(grads.itemEmbedding.allSatisfy { $0 == 0 } && touched[1].rows.isEmpty)
  }

  @Test func scorerAgreesWithForwardOnTheWholeCatalog() {
    let model = train(smallDeepFM(seed: 6), split: split, options: TrainingOptions(epochs: 1, batchSize: 64, learningRate: 0.002, l2: 1e-6, negatives: 4, patience: 0)).model
    let tower = TwoTower(config: TwoTowerConfig(embeddingDim: 4, outputDim: 3, userHidden: [5], itemHidden: [6]), userCount: data.userCount, itemCount: data.itemCount, features: data.features, seed: 2)
    func check<M: TrainableModel>(_ m: M) {
      let scorer = m.makeScorer()
      for user in [0, 3, data.userCount] {  // includes the OOV user row
        let items = (0..<data.itemCount).map { Int32($0) }
        var ws = m.makeWorkspace()
        var logits: [Float] = []
        m.forward(users: [Int32](repeating: Int32(user), count: items.count), items: items, count: items.count, workspace: &ws, logits: &logits)
        let all = scorer.scoreAll(userRow: user)
        let worst = zip(all, logits).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-5)
      }
    }
    check(model)
    check(tower)
    // With ALS fused in, the scorer adds the same ⟨p_u, q_i⟩ as forward.
    let als = ImplicitALS(train: split.train, itemCount: data.itemCount, options: ImplicitALSOptions(factors: 3, iterations: 2))
    check(try! model.fusing(als, share: 0.4, logits: DenseTeacherScores(scorer: model.makeScorer(), userCount: data.userCount)))
  }

  @Test func distillationPullsTheStudentTowardsTheTeacher() {
    let (teacher, student) = smallTeacherAndStudent()
    let options = TrainingOptions(epochs: 4, batchSize: 64, learningRate: 0.02, l2: 1e-6, negatives: 4, patience: 0, seed: 3)
    let softOnly = DistillationOptions(alpha: 0, temperature: 1, topK: 5, beta: 0, lambda: 5)
    let distilled = train(student, split: split, options: options, teacher: teacher, distillation: softOnly).model
    let hard = train(student, split: split, options: options).model
    // Mean |σ(student) − σ(teacher)| over all pairs: smaller for the distilled student.
    func gap(_ m: TwoTower) -> Double {
      let scorer = m.makeScorer()
      var total = 0.0
      for user in 0..<data.userCount {
        let s = scorer.scoreAll(userRow: user)
        for item in 0..<data.itemCount {
          total += Double(abs(Logistic.sigmoid(s[item]) - Logistic.sigmoid(teacher.logit(user: user, item: item)!)))
        }
      }
      return total / Double(data.userCount * data.itemCount)
    }
    #expect(gap(distilled) < gap(hard))
    // The teacher's top-K excludes training items and is sorted by teacher logit.
    let top = teacher.topItems(user: 0, k: 5, train: split.train)
    #expect(top.count == 5 && top.allSatisfy { !split.train.contains(user: 0, item: $0) })
    let logits = top.map { teacher.logit(user: 0, item: $0)! }
    #expect(logits == logits.sorted(by: >))
  }

  @Test func listwiseTermTeachesTheTeachersRanking() {
    let (teacher, student) = smallTeacherAndStudent()
    let options = TrainingOptions(epochs: 4, batchSize: 64, learningRate: 0.02, l2: 1e-6, negatives: 4, patience: 0, seed: 3)
    let pointwise = DistillationOptions(alpha: 0.5, temperature: 1)
    var withListwise = pointwise
    withListwise.listwiseWeight = 1
    withListwise.listwiseCandidates = 40
    let plain = train(student, split: split, options: options, teacher: teacher, distillation: pointwise).model
    let ranked = train(student, split: split, options: options, teacher: teacher, distillation: withListwise).model
    let again = train(student, split: split, options: options, teacher: teacher, distillation: withListwise).model
    #expect(ranked.namedParameters.map(\.values) == again.namedParameters.map(\.values))
    // Mean KL between the teacher's and the student's softmax over each user's unseen items.
    let term = ListwiseDistillation(weight: 1, temperature: 1)
    func divergence(_ m: TwoTower) -> Double {
      let scorer = m.makeScorer()
      var total = 0.0
      for user in 0..<data.userCount {
        let all = scorer.scoreAll(userRow: user)
        let items = ListwiseDistillation.candidates(user: user, itemCount: data.itemCount, train: split.train, teacher: teacher)
        #expect(items.allSatisfy { !split.train.contains(user: user, item: Int($0)) })
        var gradient = [Float](repeating: 0, count: items.count)
        total += Double(listwise(term, student: items.map { all[Int($0)] }, teacher: items.map { teacher.logit(user: user, item: Int($0))! }, scale: 1, gradient: &gradient))
      }
      return total / Double(data.userCount)
    }
    let (a, b) = (divergence(plain), divergence(ranked))
    #expect(b < 0.8 * a, "KL \(b) with the listwise term, \(a) without")
  }

  @Test func listwiseCandidatesAreTheTeachersHeadAndAFreshSampleOfTheRest() throws {
    let (teacher, _) = smallTeacherAndStudent()
    let options = DistillationOptions(listwiseWeight: 1, listwiseCandidates: 10)
    var batches = try #require(ListwiseBatches(teacher: teacher, options: options, split: split))
    var random = SeededRandom(seed: 5)
    batches.startEpoch(steps: 4, random: &random)
    let first = Array(batches.candidates(of: 2))
    batches.startEpoch(steps: 4, random: &random)
    let second = Array(batches.candidates(of: 2))
    let head = teacher.topItems(user: 2, k: 5, train: split.train).map { Int32($0) }
    for list in [first, second] {
      #expect(list.count == 10 && Set(list).count == 10)
      #expect(Array(list[..<5]) == head)
      #expect(list.allSatisfy { !split.train.contains(user: 2, item: Int($0)) })
    }
    #expect(first[5...] != second[5...], "the tail sample is drawn afresh every epoch")
    // 0 candidates means the whole unseen catalog; no weight means no term.
    var whole = try #require(ListwiseBatches(teacher: teacher, options: DistillationOptions(listwiseWeight: 1), split: split))
    whole.startEpoch(steps: 1, random: &random)
    #expect(whole.candidates(of: 2).count == data.itemCount - split.train.count(of: 2))
    #expect(ListwiseBatches(teacher: teacher, options: DistillationOptions(), split: split) == nil)
  }

  @Test func fileTeacherScores() throws {
    let u0 = data.userIds[0], u1 = data.userIds[1]
    let i0 = data.itemIds[0], i1 = data.itemIds[1], i2 = data.itemIds[2]
    let path = try temporaryFile("teacher.csv", "user,item,logit\n\(u0),\(i1),2.5\n\(u0),\(i0),-1\n\(u1),\(i2),0.25\n\(u0),\(i2),3\n")
    let teacher = try FileTeacherScores(path: path, dataset: data)
    #expect(teacher.logit(user: 0, item: 1) == 2.5)
    #expect(teacher.logit(user: 0, item: 0) == -1)
    #expect(teacher.logit(user: 1, item: 0) == nil)  // not listed: no soft label
    let expected = [2, 1, 0].filter { !split.train.contains(user: 0, item: $0) }
    #expect(teacher.topItems(user: 0, k: 3, train: split.train) == expected)

    let unknown = try temporaryFile("teacher-bad.csv", "user,item,logit\n\(u0),\(i1),1\n\(u0),999999,2\n")
    #expect(throws: DataFileError(path: unknown, line: 3, message: "item 999999 is not in the catalog")) {
      try FileTeacherScores(path: unknown, dataset: data)
    }
    let repeated = try temporaryFile("teacher-rep.csv", "user,item,logit\n\(u0),\(i1),1\n\(u0),\(i1),2\n")
    #expect(throws: DataFileError(path: repeated, line: 3, message: "pair repeated (first on line 2)")) {
      try FileTeacherScores(path: repeated, dataset: data)
    }
  }
}

@Suite struct PipelineTests {
  func tinyConfig(_ ratings: String, _ movies: String) -> PipelineConfig {
    var config = PipelineConfig(data: .movieLens(ratings: ratings, movies: movies))
    config.seeds = [1, 2]
    config.teacher = DeepFMConfig(dim: 8, hidden: [16, 8])
    config.teacherTraining = TrainingOptions(epochs: 3, batchSize: 128, learningRate: 0.01, l2: 1e-6, negatives: 2, patience: 2)
    config.student = DeepFMConfig(dim: 2, hidden: [4])
    config.studentTraining = TrainingOptions(epochs: 2, batchSize: 128, learningRate: 0.01, l2: 1e-6, negatives: 2, patience: 1)
    config.twoTower = TwoTowerConfig(embeddingDim: 2, outputDim: 2)
    config.twoTowerTraining = config.studentTraining
    config.distillation = DistillationOptions(alpha: 0.5, temperature: 2, topK: 5, beta: 0.5, lambda: 3)
    config.twoTowerDistillation = config.distillation
    config.als = ImplicitALSOptions(factors: 4, regularization: 1, alpha: 2, iterations: 3)
    config.bootstrapResamples = 100
    config.progress = false
    return config
  }

  func writeMovieLens() throws -> (String, String) {
    let raw = syntheticRawData(users: 30, items: 80, perUser: 12)
    var ratings = "userId,movieId,rating,timestamp\n"
    for r in raw.interactions { ratings += "\(r.user),\(r.item),4.0,\(r.timestamp)\n" }
    var movies = "movieId,title,genres\n"
    for (id, m) in raw.items.sorted(by: { $0.key < $1.key }) {
      movies += "\(id),\"\(m.title ?? "")\",\(m.genres.joined(separator: "|"))\n"
    }
    return (try temporaryFile("p-ratings.csv", ratings), try temporaryFile("p-movies.csv", movies))
  }

  @Test func endToEndOnTinyData() throws {
    let (ratings, movies) = try writeMovieLens()
    let result = try runPipeline(tinyConfig(ratings, movies))
    let report = result.report
    #expect(report.dataset.users == 30 && report.dataset.items == result.dataset.itemCount)
    #expect(report.dataset.train + report.dataset.validation + report.dataset.test == 30 * 12)
    #expect(report.seeds.count == 2 && result.models.count == 2)
    let names = report.seeds[0].models.map(\.name)
    #expect(names == [
      ModelName.popularity, ModelName.als, ModelName.teacherDeepFM, ModelName.teacher, ModelName.student,
      ModelName.distilledStudent, ModelName.twoTower, ModelName.distilledTwoTower,
    ])
    for model in report.seeds[0].models {
      #expect(model.test.ndcg10 >= 0 && model.test.ndcg10 <= 1)
      #expect(model.test.ndcg10PerUser.count == model.test.users.count)
      #expect(model.test.atK.map(\.k) == [5, 10, 20])
    }
    // The teacher is the DeepFM with the seed's ALS fused in at the configured share, and counts its factors.
    let teacher = report.seeds[0].model(ModelName.teacher)!
    let fused = try #require(result.models[0].teacher?.fusedFactors)
    #expect(fused.share == tinyConfig(ratings, movies).alsFusion && fused.factors == 4)
    let deepFM = report.seeds[0].model(ModelName.teacherDeepFM)!
    #expect(teacher.parameters == result.models[0].teacher!.parameterCount)
    #expect(teacher.parameters == deepFM.parameters + report.seeds[0].model(ModelName.als)!.parameters + 4 * 2)
    #expect(report.seeds[0].comparisons["student-distilled vs student"] != nil)
    #expect(report.seeds[0].comparisons["teacher vs als"] != nil)
    #expect(report.seeds[0].comparisons["teacher vs teacher-deepfm"] != nil)
    #expect(report.pooledComparisons.count == report.seeds[0].comparisons.count)
    #expect(report.summary.count == 8 && report.summary[1].ndcg10.count == 2)
    // The report encodes to JSON and the models' scorers reproduce the reported metrics.
    let json = try JSONEncoder().encode(report)
    #expect(json.count > 1000)
    let again = evaluate(result.models[0].distilledStudent.makeScorer(), split: result.split, on: .test, options: EvaluationOptions(seed: 1))
    #expect(again.ndcg10 == report.seeds[0].model(ModelName.distilledStudent)!.test.ndcg10)
  }

  @Test func fusionShareZeroKeepsAPlainTeacher() throws {
    let (ratings, movies) = try writeMovieLens()
    var config = tinyConfig(ratings, movies)
    config.seeds = [4]
    config.alsFusion = 0
    let result = try runPipeline(config)
    let names = result.report.seeds[0].models.map(\.name)
    #expect(names.contains(ModelName.als) && names.contains(ModelName.teacher) && !names.contains(ModelName.teacherDeepFM))
    #expect(result.models[0].teacher?.fusedFactors == nil)
  }

  @Test func bringYourOwnTeacher() throws {
    let (ratings, movies) = try writeMovieLens()
    // A "teacher" that likes low item ids, for every pair of the first 20 users.
    let data = try Dataset(try MovieLens.load(ratingsPath: ratings, moviesPath: movies))
    var text = "user,item,logit\n"
    for user in data.userIds.prefix(20) {
      for (row, item) in data.itemIds.enumerated() { text += "\(user),\(item),\(2 - Double(row) * 0.1)\n" }
    }
    var config = tinyConfig(ratings, movies)
    config.seeds = [3]
    config.teacherScoresPath = try temporaryFile("byo-teacher.csv", text)
    let result = try runPipeline(config)
    let names = result.report.seeds[0].models.map(\.name)
    #expect(!names.contains(ModelName.teacher) && names.contains(ModelName.als))
    #expect(result.models[0].teacher == nil)
    #expect(result.report.seeds[0].comparisons.keys.sorted() == ["student-distilled vs student", "two-tower-distilled vs two-tower"])
  }
}
