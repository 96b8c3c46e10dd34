// The sweep's summary for the terminal (and the README): the teacher, every point by file
// size, the frontiers and the budget's choice.

import Foundation

public enum SweepText {
  public static func render(_ report: SweepReport, directory: String) -> String {
    var out = "# RecLite compression sweep\n\n"
    out += "\(report.dataset), seed \(report.config.seed); test NDCG@10 by full ranking, µs per top-10 request, both through the runtime.\n\n"
    out += "| point | file bytes | weights | catalog | × smaller | µs/request | val NDCG@10 | NDCG@10 | % teacher | AUC | frontier |\n"
    out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    let teacher = report.teacher.metrics
    if let t = teacher {
      out += String(
        format: "| teacher | %@ | %@ | %@ | 1.0 | %.1f | %.4f | %.4f | 100.0 | %.4f | |\n", t.fileBytes.grouped, t.bytes.weights.grouped,
        t.bytes.catalog.grouped, t.microseconds, t.validationNDCG10, t.ndcg10, t.auc ?? .nan)
    }
    for p in report.points.sorted(by: { $0.metrics.fileBytes < $1.metrics.fileBytes }) {
      let m = p.metrics
      let flags = [report.frontierBytes.contains(p.name) ? "bytes" : nil, report.frontierLatency.contains(p.name) ? "µs" : nil,
                   p.name == report.chosen ? "chosen" : nil].compactMap { $0 }
      let smaller = teacher.map { String(format: "%.1f", Double($0.fileBytes) / Double(m.fileBytes)) } ?? "-"
      let share = teacher.map { String(format: "%.1f", 100 * m.ndcg10 / $0.ndcg10) } ?? "-"
      out += String(
        format: "| %@ | %@ | %@ | %@ | %@ | %.1f | %.4f | %.4f | %@ | %.4f | %@ |\n", p.name, m.fileBytes.grouped, m.bytes.weights.grouped,
        m.bytes.catalog.grouped, smaller, m.microseconds, m.validationNDCG10, m.ndcg10, share, m.auc ?? .nan, flags.joined(separator: ", "))
    }
    if let chosen = report.chosen { out += "\nChosen (\(report.budget), best validation NDCG@10): \(chosen)\n" }
    for note in report.skipped { out += "Left out: \(note)\n" }
    out += "\nReport: \(directory)/report/index.html and \(directory)/report.json (\(String(format: "%.0f", report.seconds)) s).\n"
    return out
  }
}
