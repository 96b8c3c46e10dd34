import Foundation
import Testing
@testable import RecLiteTrain

@Suite struct ImplicitALSTests {
  let data: Dataset
  let split: Split
  init() throws {
    data = try Dataset(syntheticRawData())
    split = Split(data)
  }

  /// The weighted squared loss ALS minimises, summed over every (user, item) pair by brute
  /// force: Σ c·(p − x·y)² + λ(Σ‖x‖² + Σ‖y‖²), with c = α, p = 1 on train pairs, c = 1, p = 0 elsewhere.
  func objective(_ model: ImplicitALS, _ options: ImplicitALSOptions) -> Double {
    var total = 0.0
    for user in 0..<model.userCount {
      for item in 0..<model.itemCount {
        let positive = split.train.contains(user: user, item: item)
        let error = (positive ? 1 : 0) - Double(model.score(user: user, item: item))
        total += (positive ? Double(options.alpha) : 1) * error * error
      }
    }
    let norms = (model.userFactors + model.itemFactors).reduce(0.0) { $0 + Double($1) * Double($1) }
    return total + Double(options.regularization) * norms
  }

  @Test func choleskySolvesAHandComputedSystem() {
    // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]] (lower triangle given), x = [1, −1, 2] ⇒ b = A·x.
    var lower: [Double] = [4, 0, 0, 2, 5, 0, 0, 1, 3]
    let x = CholeskySolver.solve(lowerOf: &lower, size: 3, rightHandSide: [2, -1, 5])
    for (got, want) in zip(x, [1.0, -1, 2]) { #expect(abs(got - want) < 1e-12) }
    // L of A = L·Lᵀ: L₀₀ = 2, L₁₀ = 1, L₁₁ = 2, L₂₁ = 0.5, L₂₂ = √2.75.
    #expect(lower[0] == 2 && lower[3] == 1 && lower[4] == 2 && lower[7] == 0.5)
    #expect(abs(lower[8] - 2.75.squareRoot()) < 1e-12)
  }

  /// The textbook factorisation loop the solver's interleaved one must match bit for bit: the
  /// same sums in the same order, only scheduled differently. (The substitutions that follow
  /// are the solver's own; with the same factor they give the same solution.)
  func referenceFactor(_ a: inout [Double], _ n: Int) {
    for j in 0..<n {
      var diagonal = a[j * n + j]
      for k in 0..<j { diagonal -= a[j * n + k] * a[j * n + k] }
      let pivot = diagonal > 1e-12 ? diagonal.squareRoot() : 1e-6
      a[j * n + j] = pivot
      for i in (j + 1)..<max(j + 1, n) {
        var sum = a[i * n + j]
        for k in 0..<j { sum -= a[i * n + k] * a[j * n + k] }
        a[i * n + j] = sum / pivot
      }
    }
  }

  @Test(arguments: [1, 5, 23, 64])
  func choleskyFactorEqualsTheTextbookLoopExactly(size n: Int) {
    // A = MᵀM + n·I: symmetric positive definite.
    let m = randomFloats(n * n, seed: 61).map(Double.init)
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        var sum = i == j ? Double(n) : 0
        for r in 0..<n { sum += m[r * n + i] * m[r * n + j] }
        a[i * n + j] = sum
      }
    }
    let b = randomFloats(n, seed: 62).map(Double.init)
    var expectedFactor = a, actualFactor = a
    referenceFactor(&expectedFactor, n)
    let x = CholeskySolver.solve(lowerOf: &actualFactor, size: n, rightHandSide: b)
    #expect(actualFactor.map(\.bitPattern) == expectedFactor.map(\.bitPattern))
    // And it solves the system: A·x = b up to rounding.
    for i in 0..<n {
      var row = 0.0
      for j in 0..<n { row += a[i * n + j] * x[j] }
      #expect(abs(row - b[i]) < 1e-9 * Double(n))
    }
  }

  @Test func everyItemRowSolvesItsNormalEquations() {
    // After the last half-step each item row minimises the objective given the user factors:
    // the row's gradient (YᵀY + (α−1)Σ y·yᵀ + λI)·x − α·Σ y is zero up to Float rounding.
    let options = ImplicitALSOptions(factors: 5, regularization: 0.5, alpha: 3, iterations: 3, seed: 4)
    let model = ImplicitALS(train: split.train, itemCount: data.itemCount, options: options)
    let users = ItemUsers(train: split.train, itemCount: data.itemCount)
    let f = options.factors
    var worst = 0.0
    for item in 0..<data.itemCount {
      let x = (0..<f).map { Double(model.itemFactors[item * f + $0]) }
      var gradient = x.map { $0 * Double(options.regularization) }
      for user in 0..<model.userCount {
        let y = (0..<f).map { Double(model.userFactors[user * f + $0]) }
        let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
        let positive = users.users(of: item).contains(Int32(user))
        let weight = positive ? Double(options.alpha) : 1
        let target = positive ? 1.0 : 0
        for j in 0..<f { gradient[j] += weight * (dot - target) * y[j] }
      }
      worst = max(worst, gradient.map(abs).max() ?? 0)
    }
    #expect(worst < 1e-4, "largest normal-equation residual \(worst)")
  }

  @Test func eachIterationLowersTheObjective() {
    var previous = Double.infinity
    for iterations in 1...4 {
      let options = ImplicitALSOptions(factors: 4, regularization: 1, alpha: 2, iterations: iterations, seed: 2)
      let value = objective(ImplicitALS(train: split.train, itemCount: data.itemCount, options: options), options)
      #expect(value < previous, "objective after \(iterations) iterations: \(value), before: \(previous)")
      previous = value
    }
  }

  @Test func itemUsersIsTheTransposeOfTrain() {
    let users = ItemUsers(train: split.train, itemCount: data.itemCount)
    var pairs = 0
    for item in 0..<data.itemCount {
      for user in users.users(of: item) {
        #expect(split.train.contains(user: Int(user), item: item))
        pairs += 1
      }
    }
    #expect(pairs == split.train.count)
  }

  @Test func fitIsSeededAndIndependentOfThreadCount() {
    let options = ImplicitALSOptions(factors: 6, regularization: 1, alpha: 2, iterations: 2, seed: 8)
    let a = ImplicitALS(train: split.train, itemCount: data.itemCount, options: options)
    let saved = Parallelism.maxThreads
    Parallelism.maxThreads = 1
    let b = ImplicitALS(train: split.train, itemCount: data.itemCount, options: options)
    Parallelism.maxThreads = saved
    #expect(a.userFactors == b.userFactors && a.itemFactors == b.itemFactors)
    var other = options
    other.seed = 9
    #expect(ImplicitALS(train: split.train, itemCount: data.itemCount, options: other).itemFactors != a.itemFactors)
  }

  @Test func learnsTheSyntheticTasteBetterThanPopularity() {
    // The synthetic users prefer their group's genre; a few factors capture that, popularity can't.
    let options = ImplicitALSOptions(factors: 4, regularization: 1, alpha: 4, iterations: 8, seed: 1)
    let model = ImplicitALS(train: split.train, itemCount: data.itemCount, options: options)
    let evaluation = EvaluationOptions(cutoffs: [10], negativesPerPositive: 0)
    let als = evaluate(model.makeScorer(), split: split, on: .test, options: evaluation)
    let popularity = evaluate(PopularityScorer(train: split.train, itemCount: data.itemCount), split: split, on: .test, options: evaluation)
    #expect(als.ndcg10 > popularity.ndcg10, "ALS \(als.ndcg10) vs popularity \(popularity.ndcg10)")
    #expect(model.parameterCount == (model.userCount + model.itemCount) * options.factors)
  }
}
