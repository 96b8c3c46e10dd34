// `reclite compress` and the compression options of distill/pipeline/sweep as a user meets
// them: what they write, and clear errors that name the option.

import Foundation
import Testing

@Suite struct CompressCLITests {
  @Test func compressWritesSmallerFilesAndRefusesToRequantizeNarrower() throws {
    let original = temporaryPath("sample.rlm")
    let int4 = temporaryPath("sample-int4.rlm")
    let back = temporaryPath("sample-int8.rlm")
    defer { [original, int4, back].forEach { try? FileManager.default.removeItem(atPath: $0) } }
    #expect(try reclite(["sample-model", original, "--users", "20", "--items", "300"]).status == 0)
    let run = try reclite(["compress", original, "--quantize", "int4", "--titles", "none", "--out", int4])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("× smaller") && run.stdout.contains("titles dropped") && run.stdout.contains("titles 0,"), "\(run.stdout)")
    let sizes = try [original, int4].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
    #expect(sizes[1] * 3 < sizes[0], "\(sizes)")
    let inspected = try reclite(["inspect", int4])
    #expect(inspected.status == 0 && inspected.stdout.contains("uint4"), "\(inspected.stdout)")
    let again = try reclite(["compress", int4, "--quantize", "int8", "--out", back])
    #expect(again.status != 0 && again.stderr.contains("already quantized to int4"), "\(again.stderr)")
    #expect(!FileManager.default.fileExists(atPath: back))
  }

  @Test func compressionOptionsOutOfRangeNameTheOption() throws {
    let cases: [([String], String)] = [
      (["compress", "m.rlm", "--quantize", "int3"], "--quantize"),
      (["compress", "m.rlm", "--quantize", "float32"], "--quantize takes int8, int4 or mixed"),
      (["compress", "m.rlm", "--quantize", "mixed", "--mixed-share", "1"], "--mixed-share must be in (0, 1)"),
      (["compress", "m.rlm"], "give --quantize int8|int4|mixed, --csr or --titles none"),
      (["compress", "m.rlm", "--csr", " "], "--csr is empty"),
      (["distill", "--data", "d", "--teacher", "t.rlm", "--out", "o.rlm", "--prune", "1"], "--prune must be in [0, 1)"),
      (["distill", "--data", "d", "--teacher", "t.rlm", "--out", "o.rlm", "--structured"], "--structured needs --prune"),
      (["pipeline", "--data", "d", "--out", "o", "--min-count=-2"], "--min-count must not be negative"),
      (["sweep", "--data", "d", "--sparsities", "0,1.5"], "--sparsities: 1.5 is outside [0, 1)"),
      (["sweep", "--data", "d", "--encodings", ""], "--encodings is empty"),
      (["sweep", "--data", "d", "--encodings", "int2"], "--encodings: int2 is not one of"),
      (["sweep", "--data", "d", "--models", "two-tower", "--sparsities", "0.8"], "the grid has no point"),
      (["sweep", "--data", "d", "--dims", "4,x"], "--dims: cannot read \"x\""),
      (["sweep", "--data", "d", "--max-bytes", "0"], "--max-bytes must be positive"),
    ]
    for (arguments, message) in cases {
      let result = try reclite(arguments)
      #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }
  }
}
