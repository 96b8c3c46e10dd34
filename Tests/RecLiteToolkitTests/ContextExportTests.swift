// Context-aware models exported to .rlm: the runtime's CONTEXT features carry the request's
// context, the scores equal the in-memory model's for every request row, the catalog scan is the
// packed one, and unseen context values use the OOV row.

import Foundation
@testable import RecLiteRuntime
import RecLiteToolkit
@testable import RecLiteTrain
import RecLiteWriter
import Testing

/// A small event log: 12 households, 15 actions, an integer hour and a text room per event, with
/// repeats, written as a CSV (so the loader's context path is part of every test).
func smallEventLog(households: Int = 12, events: Int = 40, seed: UInt64 = 5) throws -> (csv: URL, columns: InteractionColumns) {
  var random = SeededRandom(seed: seed)
  let rooms = ["kitchen", "bedroom", "hall"]
  var lines = ["home,action,ts,hour,room,name,kind"]
  for h in 0..<households {
    for e in 0..<events {
      let hour = [7, 8, 12, 19, 22][random.below(5)]
      let room = rooms[(hour + h + random.below(2)) % 3]
      // Mostly the action of (hour, room), sometimes the home's own favourite, sometimes any.
      let action = random.unitFloat() < 0.6 ? (hour + rooms.firstIndex(of: room)!) % 15 : random.unitFloat() < 0.5 ? h % 15 : random.below(15)
      lines.append("\(70 + h),\(500 + action),\(e * 1000 + h),\(hour),\(room),\"act \(action)\",k\(action % 4)")
    }
  }
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-events-\(UUID().uuidString).csv")
  try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
  return (url, InteractionColumns(
    user: "home", item: "action", timestamp: "ts", itemFeatures: ["kind"], itemTitle: "name", context: ["hour", "room"]))
}

func loadEventLog() throws -> Dataset {
  let (csv, columns) = try smallEventLog()
  defer { try? FileManager.default.removeItem(at: csv) }
  return try Dataset(InteractionsCSV.load(path: csv.path, columns: columns))
}

/// Every weight non-zero so every path, context included, shows up in the scores.
func randomizeAll<M: TrainableModel>(_ model: inout M, seed: UInt64) {
  for (s, slot) in model.parameterSlots.enumerated() { randomize(&model[keyPath: slot.path], seed: seed &+ UInt64(s)) }
}

@Suite struct ContextExportTests {
  func exportAndCompare(_ model: TrainedModel, _ dataset: Dataset, options: ExportOptions, tolerance: Float) throws -> RecLiteRuntime.Model {
    let builder = try ModelExport.builder(model, context: context(dataset), options: options)
    let bytes = try builder.serialize()
    let runtime = try RuntimeScorer(bytes: bytes, dataset: dataset)
    let memory = model.inMemoryScorer
    let requests = try #require(dataset.requests)
    #expect(runtime.itemCount == memory.itemCount)
    for row in 0..<requests.count {
      let a = runtime.scoreAll(userRow: row), b = memory.scoreAll(userRow: row)
      for i in a.indices where abs(a[i] - b[i]) > tolerance {
        Issue.record("request row \(row) item \(i): runtime \(a[i]), model \(b[i])")
        return runtime.model
      }
    }
    return runtime.model
  }

  @Test(arguments: [ExportOptions.ItemPrecompute.always, .never])
  func deepFMScoresLikeTheModelForEveryRequest(precompute: ExportOptions.ItemPrecompute) throws {
    let dataset = try loadEventLog()
    var model = DeepFM(
      config: DeepFMConfig(dim: 4, hidden: [6, 3]), userCount: dataset.userCount, itemCount: dataset.itemCount,
      features: dataset.features, requests: dataset.requests, seed: 2)
    randomizeAll(&model, seed: 30)
    let runtime = try exportAndCompare(.deepFM(model), dataset, options: ExportOptions(precompute: precompute), tolerance: 2e-4)
    if precompute == .always {
      // The context stays on the request side: the runtime still scans a packed catalog with the head.
      #expect(runtime.plan.catalog != nil && runtime.plan.catalog?.head != nil, "the catalog scan was not recognized")
    }
  }

  @Test func twoTowerScoresLikeTheModelForEveryRequest() throws {
    let dataset = try loadEventLog()
    var model = TwoTower(
      config: TwoTowerConfig(embeddingDim: 4, outputDim: 3, userHidden: [5]), userCount: dataset.userCount,
      itemCount: dataset.itemCount, features: dataset.features, requests: dataset.requests, seed: 3)
    randomizeAll(&model, seed: 40)
    let runtime = try exportAndCompare(.twoTower(model), dataset, options: .exact, tolerance: 1e-4)
    #expect(runtime.plan.catalog != nil && runtime.plan.catalog?.head == nil, "the linear score was not recognized")
    _ = try exportAndCompare(.twoTower(model), dataset, options: .int8, tolerance: 0.2)
  }

  @Test func contextFeaturesLabelsAndUnseenValues() throws {
    let dataset = try loadEventLog()
    var model = TwoTower(
      config: TwoTowerConfig(embeddingDim: 4, outputDim: 4, userHidden: [6]), userCount: dataset.userCount,
      itemCount: dataset.itemCount, features: dataset.features, requests: dataset.requests, seed: 3)
    randomizeAll(&model, seed: 50)
    let bytes = try ModelExport.builder(.twoTower(model), context: context(dataset), options: .exact).serialize()
    let opened = try bytes.withUnsafeBytes { raw in
      try RecLiteRuntime.Model.open(buffer: raw.baseAddress!, length: raw.count, copy: true, verifyChecksum: true)
    }
    let features = opened.graph.features.map { ($0.name.description, $0.kind, $0.rowCount) }
    #expect(features.map(\.0) == ["user", "item", "hour", "room"])
    #expect(features[2].1 == .context && features[2].2 == 5 && features[3].1 == .context && features[3].2 == 3)
    #expect(opened.metadata(key: "context.room")?.description == "0=bedroom\n1=hall\n2=kitchen")
    #expect(opened.title(ofItem: 503)?.description == "act 3")

    let session = try Session(model: opened, arena: nil, length: 0)
    let items = dataset.itemIds
    func scores(_ context: [ContextValue]) throws -> [Float] {
      var out = [Float](repeating: 0, count: items.count)
      try context.withUnsafeBufferPointer { c in
        try session.score(Request(userID: 70, context: c.baseAddress, contextCount: c.count), itemIDs: items, count: items.count, scores: &out)
      }
      return out
    }
    let hour = UInt32(2), room = UInt32(3)
    let known = try scores([ContextValue(feature: hour, value: 7), ContextValue(feature: room, value: 2)])
    let otherHour = try scores([ContextValue(feature: hour, value: 22), ContextValue(feature: room, value: 2)])
    #expect(known != otherHour, "the context does not change the scores")
    // An hour never seen is the OOV row: the same as leaving the hour out, and not an error.
    let unseen = try scores([ContextValue(feature: hour, value: 3), ContextValue(feature: room, value: 2)])
    let leftOut = try scores([ContextValue(feature: room, value: 2)])
    #expect(unseen == leftOut && unseen != known)
    // A context value for a feature that is not a context feature (the item) is refused, naming it.
    #expect(throws: RecLiteError.self) { try scores([ContextValue(feature: 1, value: 7)]) }
  }

  @Test func pipelineOnAnEventLogEvaluatesThroughTheRuntime() throws {
    let (csv, columns) = try smallEventLog()
    defer { try? FileManager.default.removeItem(at: csv) }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-events-out-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: output) }
    var config = PipelineConfig(data: .interactions(path: csv.path, columns: columns))
    #expect(config.cutoff == 3 && config.als == nil)
    config.teacher = DeepFMConfig(dim: 6, hidden: [8])
    config.student = DeepFMConfig(dim: 3, hidden: [4])
    config.twoTower = TwoTowerConfig(embeddingDim: 3, outputDim: 3, userHidden: [4])
    for keyPath in [\PipelineConfig.teacherTraining, \PipelineConfig.studentTraining, \PipelineConfig.twoTowerTraining] {
      config[keyPath: keyPath].epochs = 2
      config[keyPath: keyPath].validateFrom = 1
    }
    config.seeds = [1]
    config.bootstrapResamples = 50
    config.progress = false
    config.habitBaseline = ["hour"]
    let deployed = try PipelineRun.run(config, output: output)
    let inMemory = try runPipeline(config)
    let seed = try #require(deployed.report.seeds.first)
    for model in try #require(inMemory.report.seeds.first).models {
      let runtime = try #require(seed.model(model.name))
      #expect(abs((runtime.test.at(3)?.ndcg ?? -1) - (model.test.at(3)?.ndcg ?? -2)) < 1e-6, "\(model.name)")
    }
    let names = seed.models.map(\.name)
    for name in [
      ModelName.popularity, ModelName.popularInContext, ModelName.userHabit, ModelName.teacher, ModelName.distilledStudent,
      ModelName.distilledTwoTower, ModelName.distilledStudentNoContext, ModelName.distilledTwoTowerNoContext,
    ] { #expect(names.contains(name), "\(name) missing from \(names)") }
    #expect(!names.contains(ModelName.als))
    let table = PipelineRun.markdown(deployed)
    for row in ["NDCG@3", "| user-habit |", "two-tower-distilled vs popular-in-context", "student-distilled vs student-distilled-no-context"] {
      #expect(table.contains(row), "missing \(row)")
    }
    // The students carry the context features; the context-free ones do not.
    func featureNames(_ file: String) throws -> [String] {
      let model = try output.appendingPathComponent(file).path.withCString { try RecLiteRuntime.Model.open(path: $0) }
      return model.graph.features.map(\.name.description)
    }
    #expect(try featureNames("two-tower-distilled-int8-seed1.rlm") == ["user", "item", "hour", "room"])
    #expect(try featureNames("two-tower-distilled-no-context-seed1.rlm") == ["user", "item"])
  }

  /// "popular.hour": per hour, the training events' most frequent actions (raw ids), counted here
  /// from the split's real training events by raw hour and raw action id.
  @Test func exportCarriesThePopularAtThisHourFallback() throws {
    let dataset = try loadEventLog()
    let split = Split(dataset)
    let log = try #require(split.eventLog), requests = try #require(dataset.requests)
    var counts: [Int64: [Int64: Int]] = [:]
    for (request, item) in zip(log.trainRequests, log.trainItems) {
      let hour = dataset.contextValues[0][Int(requests.contextRows[0][Int(request)])]
      counts[hour, default: [:]][dataset.itemIds[Int(item)], default: 0] += 1
    }
    let expected = counts.keys.sorted().map { hour in
      let top = counts[hour]!.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10)
      return "\(hour)=" + top.map { String($0.key) }.joined(separator: ",")
    }.joined(separator: "\n")
    let fallback = try #require(ContextFallback.metadata(dataset, split: split))
    #expect(fallback.key == "popular.hour" && fallback.value == expected)
    #expect(expected.split(separator: "\n").count == 5, "the log has five hours")

    // Written into every exported file of the event log.
    let model = TwoTower(
      config: TwoTowerConfig(embeddingDim: 3, outputDim: 3, userHidden: []), userCount: dataset.userCount,
      itemCount: dataset.itemCount, features: dataset.features, requests: dataset.requests, seed: 1)
    let context = ModelExport.context(
      for: .twoTower(model), name: "two-tower", seed: 1, dataset: dataset, split: split, provenance: [:])
    let bytes = try ModelExport.builder(.twoTower(model), context: context, options: .int8).serialize()
    let opened = try bytes.withUnsafeBytes { raw in
      try RecLiteRuntime.Model.open(buffer: raw.baseAddress!, length: raw.count, copy: true, verifyChecksum: true)
    }
    #expect(opened.metadata(key: "popular.hour")?.description == expected)
  }
}
