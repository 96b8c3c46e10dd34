// `reclite inspect MODEL`: what a .rlm file holds, after the runtime verified it.

import ArgumentParser
import Foundation
import RecLiteRuntime

struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Verify a .rlm model and summarize it.",
    discussion: """
      Opens MODEL exactly as libreclite does (structure, checksum and semantic
      checks), then prints its signatures, features, ops, tensors (type, shape,
      bytes, quantization), the arena a session needs and the provenance
      metadata. Exits with status 1 and the runtime's message when the model is
      rejected.

      Examples:
        reclite inspect movies.rlm
        reclite inspect movies.rlm --json | jq .arenaBytes
        reclite inspect movies.rlm --json --weights > movies.json
      """
  )

  @Argument(help: "The .rlm file.")
  var model: String

  @Flag(help: "Print JSON instead of text.")
  var json = false

  @Flag(help: "With --json: include every stored tensor's decoded values (base64 little-endian float32 or int64), enough to rebuild the model elsewhere (bench/peers/onnx_export.py does).")
  var weights = false

  func validate() throws {
    if weights && !json { throw ValidationError("--weights needs --json") }
  }

  func run() throws {
    let opened = try Model.open(commandLinePath: model)
    let summary = InspectReport(model: opened, path: model, weights: weights)
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(summary), as: UTF8.self))
    } else {
      print(summary.text, terminator: "")
    }
  }
}
