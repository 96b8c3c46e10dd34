// The deployed pipeline end to end on a small generated CSV: every model is
// exported, reopened by the runtime and evaluated through it, and the metrics
// equal those of the in-memory models.

import Foundation
import RecLiteRuntime
import RecLiteToolkit
import RecLiteTrain
import Testing

/// Writes a generic interactions CSV: users in taste groups that mostly pick their group's category.
func writeInteractionsCSV(users: Int = 30, items: Int = 50, perUser: Int = 12) throws -> URL {
  var random = SeededRandom(seed: 21)
  var lines = ["uid,sku,ts,category,year"]
  let categories = ["red", "green", "blue"]
  for u in 0..<users {
    for k in 0..<perUser {
      let preferred = random.unitFloat() < 0.8
      var item = Int(random.unitFloat() * Float(items)) % items
      if preferred { item = (item / 3) * 3 + u % 3 }
      item = min(item, items - 1)
      lines.append("\(500 + u),\(9000 + item),\(k * 1000 + u),\(categories[item % 3])|c\(item % 2),\(1990 + item % 20)")
    }
  }
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-pipeline-\(UUID().uuidString).csv")
  try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
  return url
}

func smallConfig(_ csv: URL) -> PipelineConfig {
  var config = PipelineConfig(
    data: .interactions(
      path: csv.path,
      columns: InteractionColumns(user: "uid", item: "sku", timestamp: "ts", itemFeatures: ["category"], itemYear: "year")))
  config.teacher = DeepFMConfig(dim: 8, hidden: [16, 8])
  config.student = DeepFMConfig(dim: 4, hidden: [8, 4])
  config.twoTower = TwoTowerConfig(embeddingDim: 4, outputDim: 4)
  for keyPath in [\PipelineConfig.teacherTraining, \PipelineConfig.studentTraining, \PipelineConfig.twoTowerTraining] {
    config[keyPath: keyPath].epochs = 2
    config[keyPath: keyPath].validateFrom = 1
  }
  config.seeds = [1, 2]
  config.bootstrapResamples = 100
  config.progress = false
  return config
}

/// A file's scores of every item for the first few users of `writeInteractionsCSV`'s data.
private func catalogScores(_ path: String) throws -> [Float] {
  let scorer = try RuntimeScorer(
    bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), userIds: (500..<503).map(Int64.init),
    itemIds: (9000..<9050).map(Int64.init))
  var scores: [Float] = []
  for user in 0..<3 {
    var row = [Float](repeating: 0, count: 50)
    row.withUnsafeMutableBufferPointer { scorer.scoreAll(userRow: user, into: $0) }
    scores += row
  }
  return scores
}

@Suite struct PipelineRunTests {
  @Test func aResumedRunRestoresFinishedSeedsAndTrainsTheRest() throws {
    let csv = try writeInteractionsCSV()
    defer { try? FileManager.default.removeItem(at: csv) }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-resume-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: output) }
    var config = smallConfig(csv)
    config.seeds = [1]
    let first = try PipelineRun.run(config, output: output)
    // The run "cut" after seed 1 goes on with seeds 1 and 2: seed 1 comes from its checkpoint.
    config.seeds = [1, 2]
    let seedOneFile = output.appendingPathComponent("two-tower-distilled-int8-seed1.rlm").path
    let seedOneScores = try catalogScores(seedOneFile)
    let resumed = try PipelineRun.run(config, output: output, resume: true)
    #expect(resumed.report.seeds.map(\.seed) == [1, 2])
    let restored = try #require(resumed.report.seeds.first)
    let original = try #require(first.report.seeds.first)
    #expect(restored.models.map(\.test.ndcg10) == original.models.map(\.test.ndcg10))
    #expect(restored.seconds == original.seconds, "seed 1 was not trained again")
    #expect(Set(resumed.deployed.map(\.seed)) == [1, 2])
    #expect(resumed.deployed.filter { $0.seed == 1 }.count == first.deployed.count)
    // Seed 1's files keep their weights and now carry the two-seed results.
    #expect(try catalogScores(seedOneFile) == seedOneScores)
    let reopened = try openModel([UInt8](try Data(contentsOf: URL(fileURLWithPath: seedOneFile))))
    let result = reopened.metadata(key: "result.two-tower-distilled.ndcg@10")?.description ?? ""
    #expect(result.contains("±"), "the two-seed mean ± std: \(result)")
    // Another setting is refused, naming the checkpoint.
    config.studentTraining.learningRate *= 2
    #expect(throws: PipelineCheckpointError.self) { try PipelineRun.run(config, output: output, resume: true) }
  }

  @Test func runtimeEvaluationMatchesTheInMemoryModels() throws {
    let csv = try writeInteractionsCSV()
    defer { try? FileManager.default.removeItem(at: csv) }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-out-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: output) }
    let config = smallConfig(csv)
    let deployed = try PipelineRun.run(config, output: output)
    let inMemory = try runPipeline(config)
    for (a, b) in zip(deployed.report.seeds, inMemory.report.seeds) {
      for model in b.models {
        let runtime = try #require(a.model(model.name))
        #expect(abs(runtime.test.ndcg10 - model.test.ndcg10) < 1e-6, "\(model.name) seed \(a.seed)")
        #expect(abs((runtime.test.auc ?? 0) - (model.test.auc ?? 0)) < 1e-4, "\(model.name) seed \(a.seed)")
      }
    }
    // Every trained model has a file per seed, the distilled students also an int8 one.
    let files = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
    for name in ["teacher", "student", "student-distilled", "two-tower", "two-tower-distilled", "student-distilled-int8", "two-tower-distilled-int8"] {
      for seed in [1, 2] { #expect(files.contains("\(name)-seed\(seed).rlm"), "\(name)-seed\(seed).rlm missing from \(files)") }
    }
    #expect(files.contains("report.md") && files.contains("report.json"))
    // The files carry their provenance and results.
    let path = output.appendingPathComponent("student-distilled-int8-seed2.rlm").path
    let model = try path.withCString { cPath in try RecLiteRuntime.Model.open(path: cPath) }
    #expect(model.metadata(key: "seed")?.description == "2")
    #expect(model.metadata(key: "export.encoding")?.description == "int8")
    #expect(model.metadata(key: "result.teacher.ndcg@10")?.description.contains("±") == true)
    #expect(model.metadata(key: "hyperparameters")?.description.contains("\"alpha\"") == true)
    // The table has every model, the int8 rows and the comparisons.
    let table = PipelineRun.markdown(deployed)
    for row in ["| popularity |", "| als | - |", "teacher vs als", "| teacher | f32 |", "| student-distilled | int8 |", "| two-tower-distilled | int8 |", "student-distilled vs student"] {
      #expect(table.contains(row), "missing \(row)")
    }
  }

  /// One naming rule whatever the number of seeds, so `make demo` finds its file for any seed list.
  @Test func fileNamesAlwaysCarryTheSeed() {
    #expect(RuntimeDeployment.fileName("teacher", seed: 1, options: .exact) == "teacher-seed1.rlm")
    #expect(RuntimeDeployment.fileName("two-tower-distilled", seed: 1, options: .int8) == "two-tower-distilled-int8-seed1.rlm")
    #expect(RuntimeDeployment.fileName("student-distilled", seed: 12, options: .int8) == "student-distilled-int8-seed12.rlm")
    // Every encoding's label is file-name safe (letters, digits, dashes) and tells encodings apart.
    var labels = Set<String>()
    for tables in ExportOptions.Tables.allCases {
      for weights in ExportOptions.Weights.allCases {
        let label = ExportOptions(tables: tables, weights: weights).label
        #expect(!label.isEmpty && label.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }, "\(label)")
        labels.insert(label)
      }
    }
    #expect(labels.count == ExportOptions.Tables.allCases.count * ExportOptions.Weights.allCases.count, "\(labels)")
  }
}
