import Foundation
@testable import RecLiteTrain

/// Result of comparing an analytic gradient with central finite differences.
struct GradientCheck {
  var checked = 0
  var failures: [(index: Int, analytic: Double, numeric: Double)] = []
  var worst = 0.0
  var passed: Bool { failures.isEmpty && checked > 0 }
}

/// Central differences on every coordinate of `values` (Float parameters).
///
/// Tolerance: layers are Float, the loss is a Double projection of Float outputs. With step h the
/// rounding noise of a difference quotient is about ε_f·|f|/h ≈ 6e-8·10/1e-2 ≈ 6e-5, and the
/// truncation error is O(h²) (exactly zero for the linear/bilinear/quadratic layers, ≈1e-5 for
/// the sigmoid losses at h = 1e-2). So |analytic − numeric| ≤ 5e-4 + 5e-3·|analytic| passes any
/// correct gradient yet catches a wrong one (a missing factor, a dropped term, a wrong row),
/// which changes coordinates by far more (see `gradientCheckDetectsAWrongGradient`).
func checkGradient(
  _ values: [Float], analytic: [Float], h: Float = 1e-2, absolute: Double = 5e-4,
  relative: Double = 5e-3, skip: (Int) -> Bool = { _ in false }, loss: ([Float]) -> Double
) -> GradientCheck {
  precondition(values.count == analytic.count)
  var result = GradientCheck()
  var probe = values
  for i in values.indices where !skip(i) {
    probe[i] = values[i] + h
    let up = loss(probe)
    probe[i] = values[i] - h
    let down = loss(probe)
    probe[i] = values[i]
    // Use the actually representable step (values[i] ± h rounds in Float).
    let step = Double(values[i] + h) - Double(values[i] - h)
    let numeric = (up - down) / step
    let a = Double(analytic[i])
    let error = abs(a - numeric)
    result.worst = max(result.worst, error)
    result.checked += 1
    if error > absolute + relative * abs(a) { result.failures.append((i, a, numeric)) }
  }
  return result
}

/// Deterministic pseudo-random floats for test inputs.
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
  var random = SeededRandom(seed: seed)
  return (0..<count).map { _ in (random.unitFloat() * 2 - 1) * scale }
}

/// Random values whose magnitude is at least `margin` (keeps ReLU inputs away from the kink).
func awayFromZero(_ count: Int, seed: UInt64, margin: Float = 0.1) -> [Float] {
  randomFloats(count, seed: seed).map { $0 >= 0 ? $0 + margin : $0 - margin }
}

/// Projection weights so that a scalar loss depends on every output coordinate.
func projection(_ count: Int, seed: UInt64) -> [Double] {
  randomFloats(count, seed: seed).map { Double($0) + 0.1 }
}

func project(_ values: [Float], _ weights: [Double], count: Int? = nil) -> Double {
  var total = 0.0
  for i in 0..<(count ?? values.count) { total += Double(values[i]) * weights[i] }
  return total
}

/// A small synthetic interaction data set with structure a model can learn: users belong to
/// one of a few taste groups, items to genres; users mostly pick items of their group's genre.
func syntheticRawData(users: Int = 40, items: Int = 120, perUser: Int = 12, seed: UInt64 = 3) -> RawData {
  var random = SeededRandom(seed: seed)
  let genres = ["Action", "Comedy", "Drama", "Horror"]
  var metadata: [Int64: ItemMetadata] = [:]
  for item in 0..<items {
    let id = Int64(100 + item * 3)
    metadata[id] = ItemMetadata(
      title: "Item \(item) (\(1980 + item % 30))",
      genres: item % 5 == 0 ? [genres[item % 4], genres[(item + 1) % 4]] : [genres[item % 4]],
      year: item % 11 == 0 ? nil : 1980 + item % 30)
  }
  var interactions: [RawInteraction] = []
  for user in 0..<users {
    let group = user % 4
    var chosen = Set<Int>()
    var time: Int64 = 1_000_000 + Int64(user) * 100
    while chosen.count < perUser {
      var item = random.below(items)
      if random.unitFloat() < 0.9 {
        // Prefer the user's group genre, and within it the lower ids (a popularity slope).
        let candidates = (0..<items).filter { $0 % 4 == group }
        item = candidates[min(candidates.count - 1, random.below(candidates.count) * random.below(3) / 2)]
      }
      if chosen.insert(item).inserted {
        time += Int64(1 + random.below(50))
        interactions.append(RawInteraction(user: Int64(7 + user * 2), item: Int64(100 + item * 3), timestamp: time))
      }
    }
  }
  return RawData(interactions: interactions, items: metadata, source: "synthetic")
}

func temporaryFile(_ name: String, _ contents: String) throws -> String {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-train-tests-\(getpid())")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let url = dir.appendingPathComponent(name)
  try contents.write(to: url, atomically: true, encoding: .utf8)
  return url.path
}
