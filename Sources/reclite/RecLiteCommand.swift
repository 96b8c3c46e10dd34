// `reclite`: the command-line face of RecLite.

import ArgumentParser

@main
struct RecLiteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reclite",
    abstract: "Distill a large recommender into a tiny one and run it anywhere.",
    discussion: """
      A .rlm file is a verified, self-contained model: weights (float32, float16,
      int8 or row-wise int8/int4), the op graph, id vocabularies, the item
      catalog and a memory plan. Any C program (or anything that calls C) can
      run it through libreclite in a fixed arena.

      Start with `reclite sample-model demo.rlm` and `reclite inspect demo.rlm`.
      """,
    subcommands: [PipelineCommand.self, TrainCommand.self, DistillCommand.self, TuneCommand.self, CompressCommand.self, SweepCommand.self, EvalCommand.self, RecommendCommand.self, InspectCommand.self, BenchCommand.self, SampleModelCommand.self]
  )
}
