// Where a sweep keeps its work, so an interrupted run loses nothing it finished:
//
//   OUT/models/NAME.rlm        every point's model (and a trained teacher)
//   OUT/points/NAME.json       every finished point's measurements (written after its model)
//   OUT/students/NAME.json     every trained student's training curves
//   OUT/teacher.json           the teacher's measurements
//   OUT/report.json, OUT/report/index.html
//
// Every file is written atomically. A record made with other settings (`SweepConfig.fingerprint`)
// is an error rather than silently mixed into a new sweep.

import Foundation
import RecLiteWriter

struct SweepFiles {
  let root: URL

  init(_ root: URL) { self.root = root }

  var models: URL { root.appendingPathComponent("models") }
  var points: URL { root.appendingPathComponent("points") }
  var students: URL { root.appendingPathComponent("students") }

  func create() throws {
    for directory in [models, points, students, root.appendingPathComponent("report")] {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
  }

  func model(_ name: String) -> URL { models.appendingPathComponent(name + ".rlm") }

  /// The finished points already in the directory, by name: those whose record and model file
  /// are both there. A record of a sweep with other settings is an error.
  func finishedPoints(fingerprint: String) throws -> [String: SweepPoint] {
    var found: [String: SweepPoint] = [:]
    let files = (try? FileManager.default.contentsOfDirectory(at: points, includingPropertiesForKeys: nil)) ?? []
    for file in files where file.pathExtension == "json" {
      guard let point = try? JSONDecoder.sorted.decode(SweepPoint.self, from: Data(contentsOf: file)) else { continue }
      guard point.fingerprint == fingerprint else {
        throw SweepGridError.option(
          "\(root.path) holds a sweep made with other settings (\(point.fingerprint)); use another --out or remove it")
      }
      let size = (try? FileManager.default.attributesOfItem(atPath: point.file)[.size] as? Int) ?? nil
      if size == point.metrics.fileBytes { found[point.name] = point }
    }
    return found
  }

  func studentRecord(_ name: String, fingerprint: String) -> SweepStudentRecord? {
    let file = students.appendingPathComponent(name + ".json")
    guard let record = try? JSONDecoder.sorted.decode(SweepStudentRecord.self, from: Data(contentsOf: file)),
      record.fingerprint == fingerprint
    else { return nil }
    return record
  }

  func teacherRecord(fingerprint: String) -> SweepTeacherRecord? {
    guard let record = try? JSONDecoder.sorted.decode(SweepTeacherRecord.self, from: Data(contentsOf: root.appendingPathComponent("teacher.json"))),
      record.fingerprint == fingerprint
    else { return nil }
    return record
  }

  func save(_ point: SweepPoint) throws {
    try AtomicFile.write(try JSONEncoder.sorted.encode(point), to: points.appendingPathComponent(point.name + ".json"))
  }

  func save(_ record: SweepStudentRecord) throws {
    try AtomicFile.write(try JSONEncoder.sorted.encode(record), to: students.appendingPathComponent(record.name + ".json"))
  }

  func save(_ record: SweepTeacherRecord) throws {
    try AtomicFile.write(try JSONEncoder.sorted.encode(record), to: root.appendingPathComponent("teacher.json"))
  }

  /// report.json and the self-contained report/index.html.
  func write(_ report: SweepReport) throws {
    try AtomicFile.write(try JSONEncoder.sorted.encode(report), to: root.appendingPathComponent("report.json"))
    try AtomicFile.write(Data(SweepHTML.render(report).utf8), to: root.appendingPathComponent("report/index.html"))
  }
}
