// `reclite pipeline` options that override the models' shapes and training, e.g. to compare
// settings for a new kind of data on its validation split (report.json's "validation" results).

import ArgumentParser
import RecLiteTrain

struct ModelShapeArguments: ParsableArguments {
  @Option(help: "Teacher (DeepFM) embedding width.")
  var teacherDim: Int?
  @Option(help: ArgumentHelp("Teacher MLP widths, e.g. 128,64.", valueName: "list"))
  var teacherHidden: String?
  @Option(help: "Teacher L2 regularisation.")
  var teacherL2: Float?
  @Option(help: "DeepFM student embedding width.")
  var studentDim: Int?
  @Option(help: ArgumentHelp("DeepFM student MLP widths, e.g. 16,8.", valueName: "list"))
  var studentHidden: String?
  @Option(help: "Two-tower embedding and output width.")
  var towerDim: Int?
  @Option(help: "Two-tower output width (the dot product's), if it differs from --tower-dim.")
  var towerOutputDim: Int?
  @Option(help: ArgumentHelp("Two-tower user (request) tower hidden widths, e.g. 32; 'none' for no hidden layer.", valueName: "list"))
  var towerHidden: String?
  @Option(help: "Sampled negatives per positive, every model.")
  var negatives: Int?
  @Option(help: "Students' learning rate.")
  var studentLearningRate: Float?

  func validate() throws {
    for (name, value) in [("--teacher-dim", teacherDim), ("--student-dim", studentDim), ("--tower-dim", towerDim), ("--tower-output-dim", towerOutputDim),
      ("--negatives", negatives)] {
      if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
    }
    for (name, value) in [("--teacher-hidden", teacherHidden), ("--student-hidden", studentHidden)] {
      if let value, parsedWidths(value) == nil { throw ValidationError("\(name) must be comma-separated positive widths") }
    }
    if let towerHidden, towerHidden != "none", parsedWidths(towerHidden) == nil {
      throw ValidationError("--tower-hidden must be comma-separated positive widths or 'none'")
    }
  }

  func apply(to config: inout PipelineConfig) {
    if let teacherDim { config.teacher.dim = teacherDim }
    if let widths = teacherHidden.flatMap(parsedWidths) { config.teacher.hidden = widths }
    if let teacherL2 { config.teacherTraining.l2 = teacherL2 }
    if let studentDim { config.student.dim = studentDim }
    if let widths = studentHidden.flatMap(parsedWidths) { config.student.hidden = widths }
    if let towerDim {
      config.twoTower.embeddingDim = towerDim
      config.twoTower.outputDim = towerDim
    }
    if let towerOutputDim { config.twoTower.outputDim = towerOutputDim }
    if let towerHidden { config.twoTower.userHidden = towerHidden == "none" ? [] : parsedWidths(towerHidden) ?? [] }
    if let negatives {
      for keyPath in [\PipelineConfig.teacherTraining, \PipelineConfig.studentTraining, \PipelineConfig.twoTowerTraining] {
        config[keyPath: keyPath].negatives = negatives
      }
    }
    if let studentLearningRate {
      config.studentTraining.learningRate = studentLearningRate
      config.twoTowerTraining.learningRate = studentLearningRate
    }
  }
}

/// Layer widths like "32,16": positive integers, or nil.
func parsedWidths(_ text: String) -> [Int]? {
  let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
  guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
  return parts.compactMap { $0 }
}
