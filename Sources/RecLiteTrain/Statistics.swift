/// Mean and sample standard deviation (n−1) of a few numbers, e.g. one metric over seeds.
public struct MeanStd: Sendable, Codable, Equatable, CustomStringConvertible {
  public var mean: Double
  public var std: Double
  public var count: Int

  public init(_ values: [Double]) {
    count = values.count
    mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    if values.count > 1 {
      let m = mean
      std = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    } else {
      std = 0
    }
  }

  public var description: String { String(format: "%.4f ± %.4f", mean, std) }
}

/// Paired comparison of two models on the same users: the mean of per-user differences a − b and
/// a percentile bootstrap interval over users (resampling users with replacement, seeded).
public struct PairedComparison: Sendable, Codable, Equatable {
  public var meanDifference: Double
  public var low: Double
  public var high: Double
  public var confidence: Double
  public var users: Int
  /// Users where a is better, worse, tied (a quick sign test view).
  public var wins: Int
  public var losses: Int
  public var ties: Int

  /// The interval is the 95% percentile interval of `resamples` bootstrap means.
  public init(a: [Double], b: [Double], resamples: Int = 2000, seed: UInt64 = 7) {
    precondition(a.count == b.count, "paired comparison needs the same users")
    let diffs = zip(a, b).map { $0 - $1 }
    let n = diffs.count
    users = n
    confidence = 0.95
    meanDifference = n > 0 ? diffs.reduce(0, +) / Double(n) : .nan
    wins = diffs.filter { $0 > 0 }.count
    losses = diffs.filter { $0 < 0 }.count
    ties = n - wins - losses
    guard n > 0, resamples > 0 else {
      low = .nan
      high = .nan
      return
    }
    var random = SeededRandom(seed: seed, stream: 0xB007)
    var means = [Double](repeating: 0, count: resamples)
    for r in 0..<resamples {
      var total = 0.0
      for _ in 0..<n { total += diffs[random.below(n)] }
      means[r] = total / Double(n)
    }
    means.sort()
    let tail = (1 - confidence) / 2
    low = means[min(resamples - 1, max(0, Int((tail * Double(resamples)).rounded(.down))))]
    high = means[min(resamples - 1, max(0, Int(((1 - tail) * Double(resamples)).rounded(.up)) - 1))]
  }
}

import Foundation
