// `reclite tune`: re-decides the pipeline's defaults on the validation split (see Tuning.swift).

import ArgumentParser
import Foundation
import RecLiteToolkit
import RecLiteTrain

struct TuneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tune",
    abstract: "Re-decide the pipeline's defaults on the validation split alone.",
    discussion: """
      Splits the data as the pipeline does, then searches, stage by stage, the
      knobs behind the pipeline's defaults: ALS (factors, λ, α), the teacher's
      training (l2, negatives, learning rate), the ALS share fused into the
      teacher, and each student's training and distillation (learning rate,
      negatives, α, T, top-K, listwise γ; the two-tower also the listwise
      temperature). Each knob is varied alone around the best setting so far
      and scored by the mean best-epoch validation NDCG@10 over the seeds; the
      test split is never evaluated. Writes OUT.md (every setting tried, per
      seed) and OUT.json (the same, and the chosen defaults), which
      PipelineDefaults must match; both are rewritten after every stage, so a
      run cut short keeps the stages it finished.

      The full search trains about 20 teachers and 100 students per seed set:
      an hour or more on 2 cores. --stages runs a part of it (later stages then
      use the current defaults for what they skip).

      Examples:
        reclite tune --data data/ml-latest-small --out bench/results/tune
        reclite tune --data data/ml-latest-small --stages student,two-tower --seeds 1,2 --out /tmp/tune
      """
  )

  @OptionGroup var input: DataOptions

  @Option(help: ArgumentHelp("Seeds, comma-separated.", valueName: "list"))
  var seeds = SeedList(argument: "1,2,3")!

  @Option(help: ArgumentHelp("Stages to run, comma-separated, in order: \(Tuning.stages.joined(separator: ", ")).", valueName: "list"))
  var stages = Tuning.stages.joined(separator: ",")

  @Option(help: ArgumentHelp("Where to write the report: OUT.md and OUT.json.", valueName: "path"))
  var out: String

  @Flag(help: "No per-trial lines on stderr.")
  var quiet = false

  func validate() throws {
    let unknown = stages.split(separator: ",").map(String.init).filter { !Tuning.stages.contains($0) }
    guard unknown.isEmpty else {
      throw ValidationError("--stages: unknown \(unknown.joined(separator: ", ")) (the stages are \(Tuning.stages.joined(separator: ", ")))")
    }
  }

  func run() throws {
    let base = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: base.deletingLastPathComponent(), withIntermediateDirectories: true)
    let report = try Tuning.run(
      data: input.source, minRating: input.minRating, seeds: seeds.seeds, stages: stages.split(separator: ",").map(String.init),
      checkpoint: { try Self.write($0, to: base) }
    ) { line in
      if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
    print(Tuning.markdown(report), terminator: "")
  }

  /// OUT.json and OUT.md, rewritten after every stage.
  static func write(_ report: TuningReport, to base: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: base.appendingPathExtension("json"), options: .atomic)
    try Data(Tuning.markdown(report).utf8).write(to: base.appendingPathExtension("md"), options: .atomic)
  }
}
