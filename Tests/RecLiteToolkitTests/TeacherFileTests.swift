// A teacher .rlm file teaches through its runtime scores: they must be the model's logits, and a
// file of scaled logits (the 30 Nov – 2 Dec 2026 exporter's fused teachers) is refused.

import Foundation
import RecLiteRuntime
@testable import RecLiteToolkit
@testable import RecLiteTrain
import Testing

@Suite struct TeacherFileTests {
  /// A fused teacher as the sweep and the pipeline make it, with random weights.
  func fusedTeacher(_ dataset: Dataset) throws -> DeepFM {
    var model = DeepFM(
      config: DeepFMConfig(dim: 8, hidden: [12, 6]), userCount: dataset.userCount, itemCount: dataset.itemCount,
      features: dataset.features, seed: 4)
    randomize(&model.userEmbedding, seed: 5)
    randomize(&model.itemEmbedding, seed: 6)
    randomize(&model.itemLinear, seed: 2)
    return try model.fusingALS(
      train: Split(dataset).train, options: ImplicitALSOptions(factors: 3, regularization: 0.5, iterations: 3), share: 0.5)
  }

  func write(_ bytes: [UInt8]) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("teacher-\(UUID().uuidString).rlm")
    try Data(bytes).write(to: file)
    return file.path
  }

  /// What a sweep or `distill --teacher` distills from a file equals the in-memory teacher's
  /// logits, which the pipeline distills from.
  @Test func aTeacherFileTeachesTheModelsLogits() throws {
    let dataset = try smallDataset()
    let model = try fusedTeacher(dataset)
    let path = try write(try DeepFMExport.builder(model, context: context(dataset), options: .exact).serialize())
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (scorer, warning) = try TeacherFile.open(path, dataset: dataset)
    #expect(warning == nil)
    let file = DenseTeacherScores(scorer: scorer, userCount: dataset.userCount)
    let memory = DenseTeacherScores(scorer: model.makeScorer(), userCount: dataset.userCount)
    #expect(file.logits.count == memory.logits.count)
    let spread = memory.logits.map(abs).max() ?? 0
    #expect(spread > 1, "the fused logits must not be small for this test to tell k·logit from logit")
    for (a, b) in zip(file.logits, memory.logits) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b))) }
  }

  /// A file that says its scores are σ(k·logit) with k ≠ 1 is refused with k named; k = 1 is a logit.
  @Test(arguments: [("0.25", true), ("1.0", false)])
  func scaledLogitsAreRefused(k: String, refused: Bool) throws {
    let dataset = try smallDataset()
    let builder = try DeepFMExport.builder(try fusedTeacher(dataset), context: context(dataset), options: .exact)
    builder.metadata("als_fusion", "ALS share 0.5 of the blend (logit += 2.5·ALS score), 3 factors; score = σ(\(k)·logit)")
    let path = try write(try builder.serialize())
    defer { try? FileManager.default.removeItem(atPath: path) }
    if refused {
      let error = #expect(throws: TeacherFile.Refusal.self) { try TeacherFile.open(path, dataset: dataset) }
      #expect(error?.description.contains("σ(\(k)·logit), not the model's logits") == true)
      #expect(error?.description.contains(path) == true)
    } else {
      #expect(try TeacherFile.open(path, dataset: dataset).warning == nil)
    }
  }

  @Test func outputScaleIsReadFromTheMetadata() {
    #expect(TeacherFile.outputScale("ALS share 0.2 of the blend (logit += 34.04254·ALS score), 64 factors; score = σ(0.20267703·logit)") == 0.20267703)
    #expect(TeacherFile.outputScale("ALS share 0.2 of the blend (logit += 34.04254·ALS score), 64 factors") == nil)
  }
}
