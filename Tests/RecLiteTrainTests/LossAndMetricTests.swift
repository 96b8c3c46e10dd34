import Foundation
import Testing
@testable import RecLiteTrain

@Suite struct DistillationLossTests {
  @Test func hardAndSoftTermsMatchHandComputedValues() {
    // z = 0, t = 0, T = 2, α = 0.5, positive:
    //   hard = ln 2 = 0.693147; soft = T²·BCE(σ(0), σ(0)) = 4·ln 2 = 2.772589
    //   loss = 0.5·0.693147 + 0.5·2.772589 = 1.732868; grad = 0.5·(0.5 − 1) + 0 = −0.25
    let loss = DistillationLoss(options: DistillationOptions(alpha: 0.5, temperature: 2, topK: 2, beta: 0, lambda: 1))
    let a = loss.lossAndGradient(logit: 0, role: .positive, teacher: 0)
    #expect(abs(a.loss - 1.732868) < 1e-5 && abs(a.gradient + 0.25) < 1e-6)
    // z = 1, t = 3, T = 2, α = 0.3, negative:
    //   hard = ln(1 + e) = 1.313262; p = σ(1.5) = 0.817574
    //   BCE(σ(0.5), p) = 0.5 − 0.5·0.817574 + ln(1 + e^−0.5) = 0.565290 → ×4 = 2.261160
    //   loss = 0.3·1.313262 + 0.7·2.261160 = 1.976791
    //   grad = 0.3·σ(1) + 0.7·2·(σ(0.5) − p) = 0.219318 − 0.273161 = −0.053843
    let loss2 = DistillationLoss(options: DistillationOptions(alpha: 0.3, temperature: 2, topK: 2, beta: 0, lambda: 1))
    let b = loss2.lossAndGradient(logit: 1, role: .negative, teacher: 3)
    #expect(abs(b.loss - 1.976791) < 1e-4 && abs(b.gradient + 0.053843) < 1e-5)
    // No teacher logit for the pair: plain BCE.
    let c = loss2.lossAndGradient(logit: 0, role: .positive, teacher: nil)
    #expect(abs(c.loss - 0.693147) < 1e-5 && abs(c.gradient + 0.5) < 1e-6)
  }

  @Test func rankingDistillationTermOnTeacherTopItems() {
    // K = 2, λ = 1: e^−1 = 0.367879, e^−2 = 0.135335, scaled to sum K = 2 → 1.462117, 0.537883.
    let weights = rankingDistillationWeights(k: 2, lambda: 1)
    #expect(abs(weights[0] - 1.462117) < 1e-5 && abs(weights[1] - 0.537883) < 1e-5)
    // teacher top-1 item, z = 0, t = 0, α = 0.5, T = 2, β = 1:
    //   soft = 0.5·4·ln 2 = 1.386294; RD = 1.462117·ln 2 = 1.013458 → 2.399752
    //   grad = 0.5·2·(0.5 − 0.5) + 1.462117·(0.5 − 1) = −0.731059
    let loss = DistillationLoss(options: DistillationOptions(alpha: 0.5, temperature: 2, topK: 2, beta: 1, lambda: 1))
    let r = loss.lossAndGradient(logit: 0, role: .teacherTop(rank: 0), teacher: 0)
    #expect(abs(r.loss - 2.399752) < 1e-5 && abs(r.gradient + 0.731059) < 1e-5)
    // β = 0: top items only get the soft term (no hard label: they are unlabelled).
    let noRank = DistillationLoss(options: DistillationOptions(alpha: 0.5, temperature: 2, topK: 2, beta: 0, lambda: 1))
    let s = noRank.lossAndGradient(logit: 0, role: .teacherTop(rank: 1), teacher: 0)
    #expect(abs(s.loss - 1.386294) < 1e-5 && s.gradient == 0)
  }

  @Test func lossGradientMatchesFiniteDifferences() {
    let loss = DistillationLoss(options: DistillationOptions(alpha: 0.4, temperature: 3, topK: 3, beta: 0.7, lambda: 2))
    let roles: [ExampleRole] = [.positive, .negative, .teacherTop(rank: 0), .teacherTop(rank: 2)]
    let z: [Float] = [-1.2, 0.3, 0.8, -0.5]
    let t: [Float] = [0.5, -2, 1.5, 0.1]
    let analytic = (0..<4).map { loss.lossAndGradient(logit: z[$0], role: roles[$0], teacher: t[$0]).gradient }
    let check = checkGradient(z, analytic: analytic) { v in
      (0..<4).reduce(0.0) { $0 + Double(loss.lossAndGradient(logit: v[$1], role: roles[$1], teacher: t[$1]).loss) }
    }
    #expect(check.passed, "\(check.failures)")
  }

  @Test func listwiseTermMatchesHandComputedValues() {
    // t = [0, ln 3], s = [0, 0], T = 1: p = [0.25, 0.75], q = [0.5, 0.5]
    //   KL = 0.25·ln 0.5 + 0.75·ln 1.5 = −0.173287 + 0.304099 = 0.130812; grad = q − p
    let term = ListwiseDistillation(weight: 1, temperature: 1)
    var g = [Float](repeating: 9, count: 2)
    let loss = listwise(term, student: [0, 0], teacher: [0, Foundation.log(3)], scale: 1, gradient: &g)
    #expect(abs(loss - 0.130812) < 1e-5)
    #expect(abs(g[0] - 0.25) < 1e-6 && abs(g[1] + 0.25) < 1e-6)
    // Same pair at T = 2 with weight 0.5 and the batch scale 0.25:
    //   p = softmax([0, ln3/2]) = [1/(1+√3), √3/(1+√3)] = [0.366025, 0.633975], q unchanged
    //   loss = 0.5·4·(0.366025·ln 0.732051 + 0.633975·ln 1.267949) = 2·(−0.114165 + 0.150506) = 0.072682
    //   grad = 0.5·0.25·2·(q − p) = 0.25·[0.133975, −0.133975]
    let warm = ListwiseDistillation(weight: 0.5, temperature: 2)
    let warmLoss = listwise(warm, student: [0, 0], teacher: [0, Foundation.log(3)], scale: 0.25, gradient: &g)
    #expect(abs(warmLoss - 0.072682) < 1e-5)
    #expect(abs(g[0] - 0.033494) < 1e-6 && abs(g[1] + 0.033494) < 1e-6)
    // Identical scores cost nothing, even at logits where exp overflows without the shift.
    g = [9, 9, 9]
    let same = listwise(term, student: [200, 150, -40], teacher: [200, 150, -40], scale: 1, gradient: &g)
    #expect(abs(same) < 1e-6 && g.allSatisfy { abs($0) < 1e-6 })
  }

  @Test func listwiseGradientMatchesFiniteDifferences() {
    let term = ListwiseDistillation(weight: 0.7, temperature: 1.5)
    let z = randomFloats(12, seed: 4, scale: 2), t = randomFloats(12, seed: 5, scale: 3)
    var analytic = [Float](repeating: 0, count: 12)
    _ = listwise(term, student: z, teacher: t, scale: 1, gradient: &analytic)
    var scratch = analytic
    let check = checkGradient(z, analytic: analytic) { v in
      Double(listwise(term, student: v, teacher: t, scale: 1, gradient: &scratch))
    }
    #expect(check.passed, "\(check.failures)")
  }

  @Test func bceIsFiniteForExtremeLogits() {
    #expect(Logistic.bceWithLogits(100, target: 1) < 1e-6)
    #expect(abs(Logistic.bceWithLogits(-100, target: 1) - 100) < 1e-3)
    #expect(Logistic.bceWithLogits(1e30, target: 0).isFinite)
    #expect(Logistic.sigmoid(-1e30) == 0 && Logistic.sigmoid(1e30) == 1)
  }
}

@Suite struct MetricTests {
  @Test func topKBreaksTiesByItemRowAndSkipsExcludedAndNaN() {
    let scores: [Float] = [0.5, 0.9, 0.5, .nan, 0.9, 0.1, 0.7]
    let top = scores.withUnsafeBufferPointer { Ranking.topK($0, k: 4) { $0 == 6 } }
    #expect(top == [1, 4, 0, 2])
    let all = scores.withUnsafeBufferPointer { Ranking.topK($0, k: 10) { _ in false } }
    #expect(all == [1, 4, 6, 0, 2, 5, 3])
  }

  @Test func userMetricsHandComputed() {
    // Ranked [5, 3, 9, 1, 7], held out {3, 7, 42}: hits at ranks 2 and 5.
    // DCG = 1/log2(3) + 1/log2(6) = 0.630930 + 0.386853 = 1.017783
    // IDCG@5 (3 held out) = 1 + 0.630930 + 0.5 = 2.130930 → NDCG = 0.477624
    // P = 2/5, R = 2/3, F1 = 2·0.4·0.6667/1.0667 = 0.5
    let m = Ranking.userMetrics(ranked: [5, 3, 9, 1, 7], heldOut: [3, 7, 42], k: 5)
    #expect(m.hit == 1)
    #expect(abs(m.ndcg - 0.477624) < 1e-6)
    #expect(abs(m.precision - 0.4) < 1e-12 && abs(m.recall - 2.0 / 3) < 1e-12 && abs(m.f1 - 0.5) < 1e-12)
    // At K = 2: one hit at rank 2; IDCG@2 = 1.630930 → NDCG = 0.386853; P = 0.5, R = 1/3, F1 = 0.4.
    let m2 = Ranking.userMetrics(ranked: [5, 3, 9, 1, 7], heldOut: [3, 7, 42], k: 2)
    #expect(abs(m2.ndcg - 0.386853) < 1e-6 && abs(m2.f1 - 0.4) < 1e-12)
    let miss = Ranking.userMetrics(ranked: [5, 3], heldOut: [7], k: 1)
    #expect(miss == Ranking.UserMetrics(hit: 0, ndcg: 0, precision: 0, recall: 0, f1: 0))
    let perfect = Ranking.userMetrics(ranked: [7, 3], heldOut: [7], k: 10)
    #expect(perfect.ndcg == 1 && perfect.recall == 1 && abs(perfect.precision - 0.1) < 1e-12)
  }

  @Test func aucHandComputed() {
    // Positives 0.35 (beats 0.1, loses to 0.4) and 0.8 (beats both): 3 of 4 pairs.
    #expect(Ranking.auc(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) == 0.75)
    #expect(Ranking.auc(scores: [0.5, 0.5, 0.2], labels: [true, false, false]) == 0.75)
    #expect(Ranking.auc(scores: [1, 2], labels: [true, true]) == nil)
  }

  /// A scorer with fixed scores for testing evaluation end to end.
  struct FixedScorer: Scorer {
    let table: [[Float]]
    var itemCount: Int { table[0].count }
    var scoresAreLogits: Bool { true }
    func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
      for i in 0..<itemCount { scores[i] = table[min(userRow, table.count - 1)][i] }
    }
  }

  @Test func evaluationExcludesSeenItemsAndAverages() throws {
    // Two users, six items (rows 0…5), times make the split: user A (n=10 → 8/1/1)
    // would need ten items, so use n ≤ 3 users: n = 3 → train 1, validation 1, test 1.
    let raw = RawData(interactions: [
      RawInteraction(user: 1, item: 10, timestamp: 1), RawInteraction(user: 1, item: 11, timestamp: 2),
      RawInteraction(user: 1, item: 12, timestamp: 3),
      RawInteraction(user: 2, item: 13, timestamp: 1), RawInteraction(user: 2, item: 14, timestamp: 2),
      RawInteraction(user: 2, item: 15, timestamp: 3),
    ], items: [:], source: "t")
    let data = try Dataset(raw)
    let split = Split(data)
    // user 0: train {0}, val {1}, test {2}; user 1: train {3}, val {4}, test {5}.
    let scorer = FixedScorer(table: [
      [9, 8, 1, 7, 6, 5],  // test ranking excludes 0, 1 → 3, 4, 5, 2: test item 2 at rank 4
      [9, 8, 7, 6, 5, 4],  // excludes 3, 4 → 0, 1, 2, 5: test item 5 at rank 4
    ])
    let result = evaluate(scorer, split: split, on: .test, options: EvaluationOptions(cutoffs: [1, 5, 10], negativesPerPositive: 3, seed: 1))
    #expect(result.users == [0, 1])
    let ndcg4 = 1 / log2(5.0)
    #expect(abs((result.at(5)?.ndcg ?? 0) - ndcg4) < 1e-12)
    #expect(result.at(1)?.hr == 0 && result.at(5)?.hr == 1)
    #expect(abs((result.at(5)?.precision ?? 0) - 0.2) < 1e-12 && result.at(5)?.recall == 1)
    #expect(result.ndcg10PerUser.count == 2 && abs(result.ndcg10PerUser[0] - ndcg4) < 1e-12)
    // Top 10 covers the 4 rankable items of each user: items 0…5 all appear.
    #expect(result.coverageAt10 == 1)
    // Validation excludes only train: user 0 → 1 (val) is ranked first after 0 is excluded.
    let validation = evaluate(scorer, split: split, on: .validation, options: EvaluationOptions(cutoffs: [1], negativesPerPositive: 0))
    #expect(validation.at(1)?.hr == 0.5)  // user 1: ranking 0,1,2,4,5 → val item 4 not first
    // AUC pairs: each test positive with 3 negatives that the user never saw.
    #expect(result.auc != nil && result.logLoss != nil)
  }

  @Test func popularityCountsTrainInteractions() throws {
    let data = try Dataset(syntheticRawData(users: 12, items: 20, perUser: 10))
    let split = Split(data)
    let pop = PopularityScorer(train: split.train, itemCount: data.itemCount)
    #expect(pop.counts.reduce(0, +) == Float(split.train.count))
    #expect(!pop.scoresAreLogits)
    let result = evaluate(pop, split: split, on: .test)
    #expect(result.logLoss == nil && result.auc != nil)
  }

  @Test func pairedBootstrapAndMeanStd() {
    let a = [0.3, 0.5, 0.2, 0.9], b = [0.1, 0.3, 0.0, 0.7]
    let same = PairedComparison(a: a, b: b, resamples: 500, seed: 3)
    #expect(abs(same.meanDifference - 0.2) < 1e-12 && abs(same.low - 0.2) < 1e-12 && abs(same.high - 0.2) < 1e-12)
    #expect(same.wins == 4 && same.losses == 0)
    let mixed = PairedComparison(a: [1, 0, 1, 0, 1], b: [0, 0, 0, 1, 0], resamples: 2000, seed: 3)
    #expect(abs(mixed.meanDifference - 0.4) < 1e-12)
    #expect(mixed.low < 0.4 && mixed.high > 0.4 && mixed.low >= -1 && mixed.high <= 1)
    #expect(mixed.wins == 3 && mixed.losses == 1 && mixed.ties == 1)
    let again = PairedComparison(a: [1, 0, 1, 0, 1], b: [0, 0, 0, 1, 0], resamples: 2000, seed: 3)
    #expect(again == mixed)
    let stats = MeanStd([1, 2, 3])
    #expect(stats.mean == 2 && stats.std == 1)
  }
}

/// `ListwiseDistillation.lossAndGradient` on arrays.
func listwise(_ term: ListwiseDistillation, student: [Float], teacher: [Float], scale: Float, gradient: inout [Float]) -> Float {
  student.withUnsafeBufferPointer { s in
    teacher.withUnsafeBufferPointer { t in
      gradient.withUnsafeMutableBufferPointer { term.lossAndGradient(student: s, teacher: t, scale: scale, gradient: $0) }
    }
  }
}
