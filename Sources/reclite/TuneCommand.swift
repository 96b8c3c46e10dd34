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
      PipelineDefaults must match; both are rewritten after every setting
      scored. --resume reads OUT.json back and reuses every setting it scored
      (training is deterministic per seed), so a run cut short goes on where
      it stopped; a setting met twice in one run is trained once.

      The full search trains 6 teachers and about 30 students per seed:
      four hours or more on 2 cores. --stages runs a part of it (later stages then
      use the current defaults for what they skip).

      Examples:
        reclite tune --data data/ml-latest-small --out bench/results/tune
        reclite tune --data data/ml-latest-small --out bench/results/tune --resume
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

  @Flag(help: "Reuse the settings already scored in OUT.json (same data, seeds and starting defaults).")
  var resume = false

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
    let earlier = try resume ? Self.read(base) : nil
    let report = try Tuning.run(
      data: input.source, minRating: input.minRating, seeds: seeds.seeds, stages: stages.split(separator: ",").map(String.init),
      resuming: earlier, checkpoint: { try Self.write($0, to: base) }
    ) { line in
      if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
    print(Tuning.markdown(report), terminator: "")
  }

  /// The report a resumed run continues: OUT.json, which must exist.
  static func read(_ base: URL) throws -> TuningReport {
    let file = base.appendingPathExtension("json")
    guard let data = FileManager.default.contents(atPath: file.path) else {
      throw ValidationError("--resume: \(file.path) does not exist (run once without --resume)")
    }
    do {
      return try JSONDecoder().decode(TuningReport.self, from: data)
    } catch {
      throw ValidationError("--resume: \(file.path) is not a tuning report (\(error))")
    }
  }

  /// OUT.json and OUT.md, rewritten after every setting scored.
  static func write(_ report: TuningReport, to base: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: base.appendingPathExtension("json"), options: .atomic)
    try Data(Tuning.markdown(report).utf8).write(to: base.appendingPathExtension("md"), options: .atomic)
  }
}
