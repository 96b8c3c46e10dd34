// `reclite bench MODEL`: the C-level speed benchmark (bench/speed/reclite_bench.c, linked to the
// released libreclite) for one model, with the model's multiply-add counts filled in so the
// harness can say how far each request is from the machine's floor.

import ArgumentParser
import Foundation
import RecLiteRuntime

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure a .rlm model's speed through the C API (reclite-bench).",
    discussion: """
      Runs reclite-bench, the C harness over the released library: open time,
      p50/p99 µs of scoring 1, 100, 1,000 candidates and the whole catalog, top-10
      over the catalog with a seen-list excluded, heap allocations per call,
      arena bytes, peak RSS, and multiply-adds per second against the measured
      single-core peak (the model's multiply-add counts come from this command).
      One thread, one session. Timings on a shared machine are noisy: compare
      models within one run; `make bench` adds callgrind instruction counts and
      ONNX Runtime running the same model (bench/README.md).

      reclite-bench is found through $RECLITE_BENCH_TOOL, beside this program,
      or on PATH; `make bench-tool` builds it into build/bin.

      Example:
        reclite bench out/demo/two-tower-distilled-int8-seed1.rlm --requests 500
      """
  )

  @Argument(help: "The .rlm file.")
  var model: String

  @Option(help: "Requests per workload.")
  var requests = 300

  @Option(help: "Items in the seen-list excluded from top-10.")
  var exclude = 150

  @Flag(help: "Print the figures as JSON.")
  var json = false

  func validate() throws {
    guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
    guard exclude >= 0 else { throw ValidationError("--exclude must be 0 or more") }
  }

  func run() throws {
    let graph = try RecLiteRuntime.Model.open(commandLinePath: model).graph
    guard let tool = Self.harness() else {
      throw CommandFailure(
        "reclite-bench not found (looked at $RECLITE_BENCH_TOOL, beside \(CommandLine.arguments[0]) and on PATH): build it with `make bench-tool`")
    }
    var arguments = [
      model, "--requests", "\(requests)", "--exclude", "\(exclude)",
      "--macs-per-candidate", "\(graph.multiplyAddsPerCandidate)", "--macs-per-request", "\(graph.multiplyAddsPerRequest)",
    ]
    if json { arguments.append("--json") }
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw CommandFailure("reclite-bench failed (exit status \(process.terminationStatus))")
    }
  }

  /// The harness: $RECLITE_BENCH_TOOL, then beside this executable (build/bin holds both), then PATH.
  static func harness() -> URL? {
    let environment = ProcessInfo.processInfo.environment
    var candidates: [String] = []
    if let explicit = environment["RECLITE_BENCH_TOOL"] { return FileManager.default.isExecutableFile(atPath: explicit) ? URL(fileURLWithPath: explicit) : nil }
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("reclite-bench").path)
    for directory in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(directory)/reclite-bench") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map { URL(fileURLWithPath: $0) }
  }
}
