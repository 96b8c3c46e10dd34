// train, distill, eval and pipeline from the command line on a small generated CSV.

import Foundation
import Testing

/// A small interactions CSV: 24 users in three taste groups over 36 items with a category column.
func interactionsCSV() throws -> String {
  var lines = ["user,item,ts,category,year"]
  for u in 0..<24 {
    for k in 0..<10 {
      let item = (u % 3) + 3 * ((u * 5 + k * 7) % 12)
      lines.append("\(100 + u),\(1000 + item),\(k * 10 + u % 5),\(["a", "b", "c"][item % 3]),\(2000 + item % 7)")
    }
  }
  let path = temporaryPath("clicks.csv")
  try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

@Suite struct ToolkitCLITests {
  func dataArguments(_ csv: String) -> [String] {
    ["--interactions", csv, "--timestamp-column", "ts", "--feature-column", "category", "--year-column", "year"]
  }

  @Test func trainDistillEvalFromTheCommandLine() throws {
    let csv = try interactionsCSV()
    let teacher = temporaryPath("teacher.rlm")
    let student = temporaryPath("student.rlm")
    let logits = temporaryPath("logits.csv")
    defer { [csv, teacher, student, logits].forEach { try? FileManager.default.removeItem(atPath: $0) } }
    let data = dataArguments(csv)
    let trained = try reclite(["train"] + data + ["--model", "teacher", "--dim", "8", "--hidden", "16,8", "--epochs", "2", "--quiet", "--out", teacher])
    #expect(trained.status == 0, "\(trained.stderr)")
    #expect(trained.stdout.contains("wrote \(teacher): teacher"))
    #expect(trained.stdout.contains("test metrics through the runtime") && trained.stdout.contains("AUC"))
    // The teacher carries the ALS term fused in by default (64 factors on top of its own tables).
    let teacherInfo = try reclite(["inspect", teacher])
    #expect(teacherInfo.stdout.contains("ALS share 0.2 of the blend"), "\(teacherInfo.stdout)")

    let distilled = try reclite(["distill"] + data + ["--teacher", teacher, "--model", "two-tower", "--epochs", "2", "--alpha", "0.3", "--encoding", "int8", "--quiet", "--out", student])
    #expect(distilled.status == 0, "\(distilled.stderr)")
    #expect(distilled.stdout.contains("two-tower-distilled") && distilled.stdout.contains("(int8)"))
    let inspect = try reclite(["inspect", student])
    #expect(inspect.stdout.contains("\"alpha\":0.3") || inspect.stdout.contains("\"alpha\":0.30"), "distillation settings recorded")
    #expect(inspect.stdout.contains("\"topK\":0"), "the two-tower student's default top-K")

    let evaluated = try reclite(["eval", student, teacher] + data)
    #expect(evaluated.status == 0, "\(evaluated.stderr)")
    #expect(evaluated.stdout.contains("test split, full ranking over 36 items, 24 users"))
    #expect(evaluated.stdout.contains("\(student) vs \(teacher): NDCG@10 difference"))
    let json = try reclite(["eval", teacher] + data + ["--json", "--split", "validation"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(object["split"] as? String == "validation")

    // Bring your own teacher: logits from a file; a bad row is reported with its line.
    try "user,item,logit\n100,1000,2.5\n101,1003,-1\n".write(toFile: logits, atomically: true, encoding: .utf8)
    let fromFile = try reclite(["distill"] + data + ["--teacher-scores", logits, "--epochs", "1", "--quiet", "--out", student])
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    #expect(try reclite(["inspect", student]).stdout.contains("\"topK\":0,"), "the DeepFM student's default top-K (PipelineDefaults.distillation)")
    try "user,item,logit\n100,1000,2.5\n101,oops,-1\n".write(toFile: logits, atomically: true, encoding: .utf8)
    let badFile = try reclite(["distill"] + data + ["--teacher-scores", logits, "--epochs", "1", "--quiet", "--out", student])
    #expect(badFile.status != 0)
    #expect(badFile.stderr.contains("logits.csv:3"), "\(badFile.stderr)")
  }

  @Test func impossibleDistillationSettingsAreRefused() throws {
    let cases: [([String], String)] = [
      (["distill", "--data", "d", "--teacher", "t.rlm", "--out", "o.rlm", "--top-k=-1"], "--top-k must not be negative"),
      (["distill", "--data", "d", "--teacher", "t.rlm", "--out", "o.rlm", "--temperature=0"], "--temperature must be positive"),
      (["pipeline", "--data", "d", "--out", "o", "--beta=-1"], "--beta must not be negative"),
      (["pipeline", "--data", "d", "--out", "o", "--alpha", "1.5"], "--alpha must be within 0...1"),
      (["train", "--data", "d", "--out", "o.rlm", "--weight-average", "1"], "--weight-average must be within 0..<1"),
      (["train", "--data", "d", "--out", "o.rlm", "--als-fusion", "1"], "--als-fusion must be within [0, 1)"),
      (["train", "--data", "d", "--out", "o.rlm", "--model", "two-tower", "--als-fusion", "0.2"], "--als-fusion applies to DeepFM models"),
      (["pipeline", "--data", "d", "--out", "o", "--als-fusion=-0.5"], "--als-fusion must be within [0, 1)"),
      (["distill", "--data", "d", "--teacher", "t.rlm", "--out", "o.rlm", "--listwise-weight=-0.1"], "--listwise-weight must not be negative"),
      (["pipeline", "--data", "d", "--out", "o", "--listwise-temperature", "0"], "--listwise-temperature must be positive"),
      (["pipeline", "--data", "d", "--out", "o", "--listwise-candidates=-3"], "--listwise-candidates must not be negative"),
      (["tune", "--data", "d", "--out", "o", "--stages", "als,students"], "--stages: unknown students"),
      (["tune", "--data", "d", "--out", temporaryPath("no-such-tune"), "--resume"], "no-such-tune.json does not exist"),
    ]
    for (arguments, message) in cases {
      let result = try reclite(arguments)
      #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }
  }

  @Test func malformedDataIsAnErrorWithItsLine() throws {
    let csv = temporaryPath("bad.csv")
    defer { try? FileManager.default.removeItem(atPath: csv) }
    try "user,item,ts\n1,2,3\n1,x,4\n".write(toFile: csv, atomically: true, encoding: .utf8)
    let run = try reclite(["train", "--interactions", csv, "--timestamp-column", "ts", "--out", temporaryPath("x.rlm")])
    #expect(run.status != 0)
    #expect(run.stderr.contains("bad.csv:3"), "\(run.stderr)")
    let neither = try reclite(["train", "--out", "x.rlm"])
    #expect(neither.status != 0 && neither.stderr.contains("give exactly one of --data"))
  }

  @Test func pipelinePrintsTheSummaryTable() throws {
    let csv = try interactionsCSV()
    let out = temporaryPath("pipeline")
    defer { try? FileManager.default.removeItem(atPath: csv); try? FileManager.default.removeItem(atPath: out) }
    let run = try reclite(["pipeline"] + dataArguments(csv) + ["--out", out, "--epoch-scale", "0.2", "--seeds", "1,2", "--quiet"])
    #expect(run.status == 0, "\(run.stderr)")
    for expected in ["| teacher | f32 |", "| student-distilled | int8 |", "| popularity |", "| als |", "µs/request", "student-distilled vs student"] {
      #expect(run.stdout.contains(expected), "missing \(expected)")
    }
    #expect(FileManager.default.fileExists(atPath: out + "/report.json"))
    #expect(FileManager.default.fileExists(atPath: out + "/student-distilled-int8-seed2.rlm"))
    let help = try reclite(["pipeline", "--help"])
    #expect(help.status == 0 && help.stdout.contains("--no-als") && help.stdout.contains("implicit-feedback ALS"))
    #expect(help.stdout.contains("--als-fusion") && help.stdout.contains("teacher-deepfm"))
    #expect(run.stdout.contains("| teacher-deepfm |") && run.stdout.contains("teacher vs teacher-deepfm"), "\(run.stdout)")
  }
}
