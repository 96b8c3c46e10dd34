// `reclite bench MODEL`: how fast a model answers on this machine.

import ArgumentParser
import Foundation
import RecLiteRuntime
import RecLiteToolkit

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure recommend latency of a .rlm model through the runtime.",
    discussion: """
      Runs top-K recommendations for the model's known users (cycling through
      them), one thread and one session, after a warm-up pass, and prints the
      mean, median and 99th-percentile latency. Timings on a shared machine are
      noisy: compare models within one run.

      Example:
        reclite bench out/student-int8.rlm --requests 500 -k 10
      """
  )

  @Argument(help: "The .rlm file.")
  var model: String

  @Option(help: "Requests to time.")
  var requests = 300

  @Option(name: .short, help: "Items per recommendation.")
  var k = 10

  func validate() throws {
    guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
    guard k >= 1 else { throw ValidationError("-k must be at least 1") }
  }

  func run() throws {
    let opened = try RecLiteRuntime.Model.open(commandLinePath: model)
    let graph = opened.graph
    guard graph.topKOp >= 0 else { throw CommandFailure("\(model): the model has no catalog to recommend from") }
    let userRows = graph.userFeature >= 0 ? graph.features[graph.userFeature].rowCount : 0
    let users: [Int64] = (0..<requests).map { i in
      userRows > 0 ? graph.features[graph.userFeature].value(ofRow: i % userRows) : Int64(i)
    }
    let latency = try RecommendLatency.measure(opened, users: users, exclude: users.map { _ in [] }, k: k)
    let info = "\(graph.catalogSize) items, arena \(opened.arenaBytes) bytes, file \(graph.fileBytes) bytes"
    print("\(model): \(info)")
    print(String(
      format: "recommend top-%d over %d requests: mean %.1f µs, median %.1f µs, p99 %.1f µs",
      k, latency.requests, latency.meanMicroseconds, latency.medianMicroseconds, latency.p99Microseconds))
  }
}
