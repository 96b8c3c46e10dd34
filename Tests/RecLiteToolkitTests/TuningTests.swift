// `reclite tune`'s search: it keeps the best validation mean knob by knob, never looks at test,
// and its chosen defaults are the ones the code uses.

import Foundation
@testable import RecLiteToolkit
import RecLiteTrain
import Testing

@Suite struct TuningTests {
  @Test func coordinateSearchKeepsTheBestMeanKnobByKnobAndTheStartOnTies() throws {
    let dataset = try smallDataset()
    var search = Search(dataset: dataset, split: Split(dataset), seeds: [1, 2], defaults: .current) { _ in }
    // Score = -(x − 3)² − (y − 1)² per seed (the same on both): the best is x 3, then y 1.
    let knobs = [
      Knob<(x: Int, y: Int)>(name: "x", values: [1, 3, 5].map { v in ("\(v)", { $0.x = v }) }),
      Knob(name: "y", values: [0, 1, 2, 1].map { v in ("\(v)", { $0.y = v }) }),
    ]
    var scored: [(Int, Int)] = []
    let best = try search.coordinate(stage: "test", start: (x: 5, y: 2), knobs: knobs) { s in
      scored.append((s.x, s.y))
      let value = -Double((s.x - 3) * (s.x - 3) + (s.y - 1) * (s.y - 1))
      return [value, value]
    }
    #expect(best.x == 3 && best.y == 1)
    // x varies with y at its start (2); y then varies with x at its best (3). A setting met
    // again ((3, 2), then (3, 1)) is reported as a trial but not scored again.
    #expect(search.trials.map(\.value) == ["1", "3", "5", "0", "1", "2", "1"])
    #expect(scored.map { $0.0 } == [1, 3, 5, 3, 3] && scored.map { $0.1 } == [2, 2, 2, 0, 1])
    #expect(search.trials[5].validationNDCG10 == search.trials[1].validationNDCG10)
    #expect(search.trials.filter(\.chosen).map(\.value) == ["3", "1"], "the first of two equal means is kept")
  }

  @Test func aSmallTuneRunsItsStagesOnValidationAndReportsEveryTrial() throws {
    let dataset = try smallDataset()
    var lines: [String] = []
    // Small models and two epochs: the search, not the models, is under test (a debug build trains slowly).
    var start = TunedDefaults.current
    for keyPath in [\TunedDefaults.teacherTraining, \.studentTraining, \.twoTowerTraining] { start[keyPath: keyPath].epochs = 2 }
    start.als.iterations = 3
    let small = TuningArchitectures(
      teacher: DeepFMConfig(dim: 8, hidden: [16]), student: DeepFMConfig(dim: 4, hidden: [8]),
      twoTower: TwoTowerConfig(embeddingDim: 4, outputDim: 4, userHidden: [], itemHidden: []))
    var checkpoints: [[String]] = []
    let report = try Tuning.run(
      dataset: dataset, seeds: [1], stages: ["als", "student"], start: start, architectures: small,
      checkpoint: { checkpoints.append(Array(Set($0.trials.map(\.stage))).sorted()) }
    ) { lines.append($0) }
    // A report after every trial and after each stage.
    #expect(checkpoints.count == report.trials.count + 2)
    #expect(checkpoints.first == ["als"] && checkpoints.last == ["als", "student"])
    let stages = Set(report.trials.map(\.stage))
    #expect(stages == ["als", "student"])
    #expect(report.trials.count == lines.count && report.trials.count == (3 + 3 + 3) + (3 + 3 + 4 + 3 + 3 + 4))
    #expect(report.trials.allSatisfy { $0.validationNDCG10.count == 1 && $0.validationNDCG10[0].isFinite })
    // Stages it did not run keep the start's values; the chosen ones are among the values tried.
    #expect(report.chosen.teacherTraining == report.started.teacherTraining && report.chosen.alsFusion == report.started.alsFusion)
    #expect([32, 64, 128].contains(report.chosen.als.factors))
    #expect([0.3, 0.5, 0.7, 0.9].contains(report.chosen.distillation.alpha))
    let markdown = Tuning.markdown(report)
    #expect(markdown.contains("## als") && markdown.contains("## student") && markdown.contains("## Chosen"))
    #expect(!markdown.lowercased().contains("test ndcg"))
  }

  @Test func aResumedTuneReusesEverySettingScoredAndChoosesTheSame() throws {
    let dataset = try smallDataset()
    var start = TunedDefaults.current
    start.als.iterations = 3
    var lines: [String] = []
    var partial: TuningReport?
    // The first run is "cut" after its fourth trial: only that checkpoint survives.
    let full = try Tuning.run(dataset: dataset, seeds: [1], stages: ["als"], start: start, checkpoint: { report in
      if report.trials.count == 4 && partial == nil { partial = report }
    }) { _ in }
    let cut = try #require(partial)
    let resumed = try Tuning.run(dataset: dataset, seeds: [1], stages: ["als"], start: start, resuming: cut) { lines.append($0) }
    #expect(resumed.chosen == full.chosen)
    #expect(resumed.trials.map(\.validationNDCG10) == full.trials.map(\.validationNDCG10))
    // The four settings of the cut run (and the start met again) come from the report.
    #expect(lines.prefix(4).allSatisfy { $0.hasSuffix("(scored before)") })
    #expect(lines.filter { !$0.hasSuffix("(scored before)") }.count >= 2, "the rest is scored")
    // Another data set, seed list or starting point is refused.
    #expect(throws: TuningError.self) { try Tuning.run(dataset: dataset, seeds: [2], stages: ["als"], start: start, resuming: cut) { _ in } }
    var other = start
    other.als.iterations = 4
    #expect(throws: TuningError.self) { try Tuning.run(dataset: dataset, seeds: [1], stages: ["als"], start: other, resuming: cut) { _ in } }
  }
}
