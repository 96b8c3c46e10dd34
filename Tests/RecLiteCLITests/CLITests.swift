// The `reclite` command as a user runs it: output, JSON, exit statuses, messages.

import Foundation
import Testing

/// Result of running the built `reclite` binary.
struct Run {
  let status: Int32
  let stdout: String
  let stderr: String
}

/// The `reclite` executable next to this test bundle in the build products.
func reclitePath() throws -> URL {
  var directory = Bundle.main.bundleURL
  for _ in 0..<3 {
    let candidate = directory.appendingPathComponent("reclite")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    directory = directory.deletingLastPathComponent()
  }
  throw CLIError("reclite binary not found near \(Bundle.main.bundleURL.path)")
}

struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

func reclite(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
  try run([try reclitePath().path] + arguments, environment: environment)
}

/// Runs `command` (an executable's path, then its arguments) and collects its output.
func run(_ command: [String], environment: [String: String] = [:]) throws -> Run {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: command[0])
  process.arguments = Array(command.dropFirst())
  if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  let stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

func temporaryPath(_ name: String) -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent("reclite-cli-\(UUID().uuidString)-\(name)").path
}

@Suite struct CLITests {
  @Test func sampleModelThenInspect() throws {
    let path = temporaryPath("sample.rlm")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let made = try reclite(["sample-model", path, "--users", "5", "--items", "12", "--item-encoding", "int4"])
    #expect(made.status == 0, "\(made.stderr)")
    #expect(made.stdout.contains("5 users, 12 items"))
    let inspected = try reclite(["inspect", path])
    #expect(inspected.status == 0, "\(inspected.stderr)")
    for expected in ["RecLite model, format 1", "catalog: 12 items with titles", "EMBEDDING_BAG (mean)", "TOP_K",
                     "item_table", "uint4", "row-wise", "arena:", "producer = reclite sample-model"] {
      #expect(inspected.stdout.contains(expected), "missing \(expected)")
    }
  }

  @Test func inspectJSONIsMachineReadable() throws {
    let path = temporaryPath("sample.rlm")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try reclite(["sample-model", path, "--users", "3", "--items", "4"]).status == 0)
    let run = try reclite(["inspect", path, "--json"])
    #expect(run.status == 0)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    #expect(json["catalogItems"] as? Int == 4)
    #expect((json["arenaBytes"] as? Int ?? 0) > 0)
    let features = try #require(json["features"] as? [[String: Any]])
    #expect(features.map { $0["name"] as? String } == ["user", "item", "hour"])
    let tensors = try #require(json["tensors"] as? [[String: Any]])
    #expect(tensors.contains { $0["name"] as? String == "item_table" && $0["dtype"] as? String == "float32" })
  }

  @Test func rejectedModelsExitWithTheRuntimeMessage() throws {
    let path = temporaryPath("bad.rlm")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
    let bad = try reclite(["inspect", path])
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("RECLITE_E_BAD_MODEL: not a RecLite model"), "\(bad.stderr)")
    let missing = try reclite(["inspect", "/no/such/file.rlm"])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("RECLITE_E_IO: cannot open /no/such/file.rlm: No such file or directory"), "\(missing.stderr)")
  }

  // The harness itself runs in `make bench-smoke` (it needs the released library); here, the
  // command's own part: a missing harness is named with the way to build it.
  @Test func benchSaysHowToGetTheHarness() throws {
    let path = temporaryPath("sample.rlm")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try reclite(["sample-model", path, "--users", "4", "--items", "30"]).status == 0)
    let run = try reclite(["bench", path, "--requests", "20"], environment: ["RECLITE_BENCH_TOOL": "/no/such/reclite-bench"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("reclite-bench not found") && run.stderr.contains("make bench-tool"), "\(run.stderr)")
  }

  @Test func recommendPrintsTitlesAndHandlesColdStart() throws {
    let path = temporaryPath("sample.rlm")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try reclite(["sample-model", path, "--users", "4", "--items", "30"]).status == 0)
    let known = try reclite(["recommend", path, "--user", "2", "-k", "3", "--context", "hour=20"])
    #expect(known.status == 0, "\(known.stderr)")
    #expect(known.stdout.contains("top 3 for user 2:") && known.stdout.contains("Sample item"))
    let cold = try reclite(["recommend", path, "--user", "999", "-k", "2", "--exclude", "1"])
    #expect(cold.stdout.contains("unknown user: most popular items"))
    #expect(cold.stdout.contains("Sample item 2 ") && !cold.stdout.contains("Sample item 1 "))
    let json = try reclite(["recommend", path, "--user", "2", "-k", "4", "--json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect((object["items"] as? [[String: Any]])?.count == 4)
    let badContext = try reclite(["recommend", path, "--user", "2", "--context", "weekday=1"])
    #expect(badContext.status == 1 && badContext.stderr.contains("no context feature \"weekday\" (it has: hour)"))
    let badExclude = try reclite(["recommend", path, "--user", "2", "--exclude", "1,x"])
    #expect(badExclude.status == 1 && badExclude.stderr.contains("\"x\" is not an integer id"))
  }

  @Test func helpTeaches() throws {
    let run = try reclite(["--help"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("inspect") && run.stdout.contains("sample-model"))
    let inspect = try reclite(["inspect", "--help"])
    #expect(inspect.stdout.contains("Examples:"))
    let wrong = try reclite(["sample-model", "/tmp/x.rlm", "--users", "0"])
    #expect(wrong.status != 0)
    #expect(wrong.stderr.contains("--users and --items must be at least 1"))
  }
}
