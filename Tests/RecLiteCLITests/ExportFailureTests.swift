// Exporting never destroys what was there. The exporter runs as a separate
// process under a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so the
// write fails with EFBIG instead of killing it), so its write of a new model
// over an existing one fails part-way, exactly as on a full disk. The
// previous model must survive byte for byte, with no temporary file left
// beside it; a directory the exporter cannot write to is a clear error.

import Foundation
import Testing

/// Runs `script` with bash, as `user` (a setpriv prefix) when given; `$0` is the reclite binary,
/// `$1`… are `arguments`.
func bash(_ script: String, _ arguments: [String], as user: [String] = []) throws -> Run {
  try run(user + ["/bin/bash", "-c", script, try reclitePath().path] + arguments)
}

@Suite struct ExportFailureTests {
  let directory = temporaryPath("export")

  init() throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
  }

  func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

  @Test func aWriteThatFailsPartWayLeavesThePreviousModel() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/model.rlm"
    let first = try reclite(["sample-model", path, "--users", "5", "--items", "12"])
    #expect(first.status == 0, "\(first.stderr)")
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(before.count < 16 * 1024)
    // A model of about 150 KB under a 16 KiB limit (bash counts ulimit -f in KiB).
    let failed = try bash(
      "trap '' XFSZ; ulimit -f 16; exec \"$0\" sample-model \"$1\" --users 50 --items 2000", [path])
    #expect(failed.status != 0)
    #expect(failed.stderr.contains("cannot write \(path)"), "\(failed.stderr)")
    #expect(failed.stderr.contains("File too large"), "\(failed.stderr)")
    #expect(failed.stderr.contains("\(path) is unchanged"), "\(failed.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the previous model changed")
    #expect(try entries() == ["model.rlm"], "a temporary file was left behind")
    // The same export with room to write replaces the model.
    let replaced = try reclite(["sample-model", path, "--users", "50", "--items", "2000"])
    #expect(replaced.status == 0, "\(replaced.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count > 100_000)
    #expect(try entries() == ["model.rlm"])
  }

  @Test func anUnwritableDirectoryIsAClearError() throws {
    defer {
      chmod(directory, 0o755)
      try? FileManager.default.removeItem(atPath: directory)
    }
    let path = directory + "/model.rlm"
    #expect(try reclite(["sample-model", path]).status == 0)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(chmod(directory, 0o555) == 0)
    // Root writes anywhere: run the exporter as nobody then (util-linux's setpriv).
    let asUser = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    let failed = try bash("exec \"$0\" sample-model \"$1\"", [path], as: asUser)
    #expect(failed.status != 0)
    #expect(
      failed.stderr.contains("cannot write \(path): cannot create a file in \(directory): Permission denied"),
      "\(failed.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try entries() == ["model.rlm"])

    let missing = try reclite(["sample-model", directory + "/no/such/dir/model.rlm"])
    #expect(missing.status != 0)
    #expect(missing.stderr.contains("No such file or directory"), "\(missing.stderr)")
  }
}
