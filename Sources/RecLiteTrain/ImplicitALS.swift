/// Settings of implicit-feedback matrix factorisation by alternating least squares (Hu, Koren &
/// Volinsky, ICDM 2008), with the conventions of the PyPI `implicit` package that
/// `bench/baselines.py` tunes: a train interaction has target 1 and confidence α (`implicit`
/// multiplies the binary matrix by α, so α 1 weighs positives like every other pair), every other
/// (user, item) pair target 0 and confidence 1, and each factor row pays a plain λ‖x‖².
public struct ImplicitALSOptions: Sendable, Codable, Equatable {
  public var factors: Int
  public var regularization: Float
  public var alpha: Float
  public var iterations: Int
  public var seed: UInt64

  public init(factors: Int = 64, regularization: Float = 10, alpha: Float = 1, iterations: Int = 15, seed: UInt64 = 1) {
    self.factors = factors
    self.regularization = regularization
    self.alpha = alpha
    self.iterations = iterations
    self.seed = seed
  }
}

/// User and item factors of implicit ALS; a user's score for an item is their dot product.
///
/// Every half-step solves each row exactly (Cholesky of a factors² system, in Double), using the
/// Gramian trick: Σ over all items of c·y·yᵀ = YᵀY + (α − 1)·Σ over the row's interactions of y·yᵀ, so a
/// row costs O(interactions·f² + f³) however large the catalog is. Rows are solved in parallel;
/// each row is written by one thread, so results do not depend on the thread count.
public struct ImplicitALS: Sendable, FactorScores {
  public let factors: Int
  public let userCount: Int
  public let itemCount: Int
  /// `[userCount][factors]` row-major.
  public private(set) var userFactors: [Float]
  /// `[itemCount][factors]` row-major.
  public private(set) var itemFactors: [Float]

  /// Fits on `train` (users `0..<train.userCount`, items `0..<itemCount`): factors start at
  /// N(0, 0.01²) from `options.seed`, then `options.iterations` rounds of users-then-items solves.
  public init(train: UserItems, itemCount: Int, options: ImplicitALSOptions) {
    let f = max(1, options.factors)
    factors = f
    userCount = train.userCount
    self.itemCount = itemCount
    var random = SeededRandom(seed: options.seed, stream: 0xA15)
    userFactors = (0..<(userCount * f)).map { _ in random.normal() * 0.01 }
    itemFactors = (0..<(itemCount * f)).map { _ in random.normal() * 0.01 }
    let byItem = ItemUsers(train: train, itemCount: itemCount)
    let problem = RowProblem(factors: f, lambda: Double(options.regularization), alpha: Double(options.alpha))
    for _ in 0..<options.iterations {
      userFactors = problem.solveAll(rows: userCount, other: itemFactors) { train.items(of: $0) }
      itemFactors = problem.solveAll(rows: itemCount, other: userFactors) { byItem.users(of: $0) }
    }
  }

  public func makeScorer() -> any Scorer { ALSScorer(model: self) }
}

/// User and item factor tables whose dot product is a score: ALS, and ALS fused into a DeepFM.
public protocol FactorScores {
  var factors: Int { get }
  /// `[users][factors]` row-major.
  var userFactors: [Float] { get }
  /// `[items][factors]` row-major.
  var itemFactors: [Float] { get }
}

extension FactorScores {
  public var parameterCount: Int { userFactors.count + itemFactors.count }

  @inline(__always)
  public func score(user: Int, item: Int) -> Float {
    var sum: Float = 0
    for j in 0..<factors { sum += userFactors[user * factors + j] * itemFactors[item * factors + j] }
    return sum
  }
}

/// Full-catalog scores of an ALS model (the OOV row `userCount` scores every item 0).
struct ALSScorer: Scorer {
  let model: ImplicitALS
  var itemCount: Int { model.itemCount }
  var scoresAreLogits: Bool { false }

  func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    guard userRow < model.userCount else {
      for i in 0..<model.itemCount { scores[i] = 0 }
      return
    }
    for i in 0..<model.itemCount { scores[i] = model.score(user: userRow, item: i) }
  }
}

/// The transpose of the train matrix: for each item, the users who interacted with it.
struct ItemUsers {
  let offsets: [Int]
  let userRows: [Int32]

  init(train: UserItems, itemCount: Int) {
    var counts = [Int](repeating: 0, count: itemCount + 1)
    for item in train.items { counts[Int(item) + 1] += 1 }
    for i in 0..<itemCount { counts[i + 1] += counts[i] }
    offsets = counts
    var next = counts
    var rows = [Int32](repeating: 0, count: train.count)
    for user in 0..<train.userCount {
      for item in train.items(of: user) {
        rows[next[Int(item)]] = Int32(user)
        next[Int(item)] += 1
      }
    }
    userRows = rows
  }

  func users(of item: Int) -> ArraySlice<Int32> { userRows[offsets[item]..<offsets[item + 1]] }
}

/// One side's least-squares problem: for a row with interactions S, with Y the other side's
/// factors, x = (YᵀY + (α − 1)·Σ_{j∈S} y_j·y_jᵀ + λI)⁻¹ · α·Σ_{j∈S} y_j.
struct RowProblem {
  let factors: Int
  let lambda: Double
  let alpha: Double

  func solveAll(rows: Int, other: [Float], interactions: (Int) -> ArraySlice<Int32>) -> [Float] {
    let f = factors
    let gram = gramian(other)
    let out = SharedBuffer<Float>(repeating: 0, count: rows * f)
    // Each row index writes only its own f outputs.
    parallelForEach(rows, block: 16) { row in
      let x = solve(gram: gram, other: other, interactions: interactions(row))
      for j in 0..<f { out[row * f + j] = Float(x[j]) }
    }
    return out.array
  }

  /// YᵀY in Double; each thread fills whole rows of it.
  func gramian(_ y: [Float]) -> [Double] {
    let f = factors, n = y.count / f
    let gram = SharedBuffer<Double>(repeating: 0, count: f * f)
    parallelChunks(f, minimumChunk: 8) { range in
      for a in range {
        for b in a..<f {
          var sum = 0.0
          for r in 0..<n { sum += Double(y[r * f + a]) * Double(y[r * f + b]) }
          gram[a * f + b] = sum
          gram[b * f + a] = sum
        }
      }
    }
    return gram.array
  }

  func solve(gram: [Double], other y: [Float], interactions: ArraySlice<Int32>) -> [Double] {
    let f = factors
    guard !interactions.isEmpty else { return [Double](repeating: 0, count: f) }
    var a = gram
    var b = [Double](repeating: 0, count: f)
    for j in 0..<f { a[j * f + j] += lambda }
    // Unchecked pointers let the q loop vectorize: every element still gets the same
    // multiply and add per interaction, in interaction order.
    a.withUnsafeMutableBufferPointer { ap in
      b.withUnsafeMutableBufferPointer { bp in
        y.withUnsafeBufferPointer { yp in
          for other in interactions {
            let row = yp.baseAddress! + Int(other) * f
            for p in 0..<f {
              let value = Double(row[p])
              bp[p] += alpha * value
              let scaled = (alpha - 1) * value
              let target = ap.baseAddress! + p * f
              for q in 0...p { target[q] += scaled * Double(row[q]) }
            }
          }
        }
      }
    }
    return CholeskySolver.solve(lowerOf: &a, size: f, rightHandSide: b)
  }
}

/// Solves A·x = b for a symmetric positive definite A given by its lower triangle.
enum CholeskySolver {
  /// Factorises `a` in place (its lower triangle becomes L with A = L·Lᵀ), then solves by forward
  /// and back substitution. A pivot ≤ 0 (A not positive definite, e.g. λ = 0 on a rank-deficient
  /// system) is clamped to a tiny positive value rather than producing NaNs.
  static func solve(lowerOf a: inout [Double], size n: Int, rightHandSide b: [Double]) -> [Double] {
    a.withUnsafeMutableBufferPointer { buffer in
      let a = buffer.baseAddress!
      for j in 0..<n {
        let rowJ = a + j * n
        var diagonal = rowJ[j]
        for k in 0..<j { diagonal -= rowJ[k] * rowJ[k] }
        let pivot = diagonal > 1e-12 ? diagonal.squareRoot() : 1e-6
        rowJ[j] = pivot
        // Column j below the diagonal, four rows at a time: each sum is still its own chain over
        // k in order, but four chains overlap instead of waiting on one add after another.
        var i = j + 1
        while i + 4 <= n {
          let r0 = a + i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
          var s0 = r0[j], s1 = r1[j], s2 = r2[j], s3 = r3[j]
          for k in 0..<j {
            let l = rowJ[k]
            s0 -= r0[k] * l; s1 -= r1[k] * l; s2 -= r2[k] * l; s3 -= r3[k] * l
          }
          r0[j] = s0 / pivot; r1[j] = s1 / pivot; r2[j] = s2 / pivot; r3[j] = s3 / pivot
          i += 4
        }
        while i < n {
          let r = a + i * n
          var sum = r[j]
          for k in 0..<j { sum -= r[k] * rowJ[k] }
          r[j] = sum / pivot
          i += 1
        }
      }
    }
    var z = b
    for i in 0..<n {
      for k in 0..<i { z[i] -= a[i * n + k] * z[k] }
      z[i] /= a[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
      for k in (i + 1)..<max(i + 1, n) { z[i] -= a[k * n + i] * z[k] }
      z[i] /= a[i * n + i]
    }
    return z
  }
}
