// `reclite eval`: full-ranking metrics of .rlm models through the runtime, side by side.

import ArgumentParser
import Foundation
import RecLiteToolkit
import RecLiteTrain

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Evaluate .rlm models through the runtime on the data's test (or validation) split.",
    discussion: """
      Re-creates the per-user temporal split of the data, then ranks every
      catalog item the user has not interacted with (for test: neither in train
      nor validation) — full ranking, no sampled negatives — and reports HR,
      NDCG, precision, recall and F1 at 5, 10 and 20, AUC and log-loss on the
      held-out positives vs sampled negatives, and coverage. With several
      models, the first is compared with each other one, paired over the same
      users with a 95% bootstrap interval of the NDCG@10 difference. For an
      event log (--context-column) each held-out event is ranked on its own
      with its own context against the whole catalog, nothing excluded, at
      1, 3, 5 and 10, and models are compared at NDCG@3.

      Examples:
        reclite eval out/demo/student-distilled-seed1.rlm --data data/ml-latest-small
        reclite eval out/demo/student-distilled-seed1.rlm out/demo/student-seed1.rlm --data data/ml-latest-small --json
      """
  )

  @Argument(help: "One or more .rlm files.")
  var models: [String]

  @OptionGroup var input: DataOptions

  @Option(help: "test or validation.")
  var split: String = "test"

  @Option(help: "Seed for the sampled negatives of AUC / log-loss and the bootstrap.")
  var seed: UInt64 = 1

  @Flag(help: "Print JSON.")
  var json = false

  func validate() throws {
    guard !models.isEmpty else { throw ValidationError("give at least one .rlm file") }
    guard split == "test" || split == "validation" else { throw ValidationError("--split must be test or validation") }
  }

  func run() throws {
    let (dataset, dataSplit) = try loadData(input, quiet: json)
    let part: HeldOutSet = split == "test" ? .test : .validation
    var results: [(name: String, result: EvaluationResult)] = []
    for path in models {
      let bytes: [UInt8]
      do {
        bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
      } catch {
        throw CommandFailure("\(path): cannot read (\(error.localizedDescription))")
      }
      let scorer = try RuntimeScorer(bytes: bytes, dataset: dataset)
      if scorer.model.graph.catalogSize != dataset.itemCount {
        FileHandle.standardError.write(Data("warning: \(path) has \(scorer.model.graph.catalogSize) catalog items, the data \(dataset.itemCount); unknown items score with the model's OOV row\n".utf8))
      }
      results.append((path, evaluate(scorer, split: dataSplit, on: part, options: evaluationOptions(dataset, seed: seed))))
    }
    // Event logs compare at the cut-off of their reports (a hub shows a few suggestions).
    let k = dataset.isEventLog ? EventLogDefaults.cutoff : 10
    let comparisons = results.dropFirst().map { other in
      (name: "\(results[0].name) vs \(other.name)",
       comparison: PairedComparison(
        a: results[0].result.ndcgPerUser(at: k) ?? [], b: other.result.ndcgPerUser(at: k) ?? [], seed: seed))
    }
    if json {
      struct Output: Encodable {
        let split: String
        let results: [String: EvaluationResult]
        let comparisons: [String: PairedComparison]
      }
      let output = Output(
        split: split, results: Dictionary(results.map { ($0.name, $0.result) }, uniquingKeysWith: { a, _ in a }),
        comparisons: Dictionary(comparisons.map { ($0.name, $0.comparison) }, uniquingKeysWith: { a, _ in a }))
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      print(String(decoding: try encoder.encode(output), as: UTF8.self))
      return
    }
    print("\(split) split, full ranking over \(dataset.itemCount.grouped) items, \(results.first?.result.users.count ?? 0) users:")
    print(EvaluationTable.render(results), terminator: "")
    for (name, c) in comparisons {
      print(String(format: "%@: NDCG@%d difference %+.4f [%+.4f, %+.4f] (users better %d, worse %d)", name, k, c.meanDifference, c.low, c.high, c.wins, c.losses))
    }
  }
}
