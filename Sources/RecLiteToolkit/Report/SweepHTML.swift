// The sweep's report page: one self-contained HTML file (inline CSS and SVG, no script, no
// network) with NDCG@10 against file bytes and against µs/request (Pareto frontiers, the
// teacher as a reference line), ROC curves of the teacher and the chosen students, the
// training curves, and the table of every point.

import Foundation
import RecLiteTrain

enum SweepHTML {
  static let encodingColors = ["f32": "#4e79a7", "int8": "#59a14f", "int4": "#e15759", "mixed": "#f28e2b"]
  static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

  static func render(_ report: SweepReport) -> String {
    let teacher = report.teacher.metrics
    var html = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <link rel="icon" href="data:,">
      <title>RecLite compression sweep</title>
      <style>\(css)</style></head><body>
      <h1>RecLite compression sweep</h1>

      """
    html += "<p class=\"meta\">\(escape(report.dataset)) · seed \(report.config.seed) · teacher: \(escape(report.teacher.source)) · "
    html += "\(report.points.count) points from \(report.students.count) students · \(String(format: "%.0f", report.seconds)) s. "
    html += "Every number is measured through the runtime on the exported file: NDCG@10 and AUC on the test split (full ranking), "
    html += "µs per top-10 request on one thread of this machine; budgets choose by validation NDCG@10.</p>\n"
    html += summary(report)
    html += "<section class=\"charts\">\n"
    html += tradeOff(report, id: "ndcg-bytes", title: "NDCG@10 against file bytes", cost: { Double($0.metrics.fileBytes) },
      teacherCost: teacher.map { Double($0.fileBytes) }, axis: SVGChart.Axis(label: "file bytes (log scale)", scale: .log, format: SVGChart.bytes),
      frontier: report.frontierBytes)
    html += tradeOff(report, id: "ndcg-latency", title: "NDCG@10 against µs per request", cost: { $0.metrics.microseconds },
      teacherCost: teacher.map(\.microseconds), axis: SVGChart.Axis(label: "µs per top-10 request (log scale)", scale: .log),
      frontier: report.frontierLatency)
    html += roc(report)
    html += training(report, id: "training-loss", title: "Training loss per epoch", label: "loss") { $0.loss }
    html += training(report, id: "training-ndcg", title: "Validation NDCG@10 per epoch", label: "validation NDCG@10") { $0.validationNDCG10 }
    html += "</section>\n"
    html += table(report)
    if !report.skipped.isEmpty {
      html += "<h2>Left out of the grid</h2><ul>" + report.skipped.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
    }
    html += "</body></html>\n"
    return html
  }

  /// The teacher, the smallest point within 95% of it, and the budget's choice.
  private static func summary(_ report: SweepReport) -> String {
    var items: [String] = []
    if let t = report.teacher.metrics {
      items.append(String(format: "<b>Teacher</b>: %@ bytes, NDCG@10 %.4f, %.1f µs/request", t.fileBytes.grouped, t.ndcg10, t.microseconds))
      let close = report.points.filter { $0.metrics.ndcg10 >= 0.95 * t.ndcg10 }.min { $0.metrics.fileBytes < $1.metrics.fileBytes }
      if let close {
        items.append(String(
          format: "<b>Smallest point at ≥ 95%% of the teacher's NDCG@10</b>: %@ — %@ bytes (%.1f× smaller), NDCG@10 %.4f (%.1f%%), %.1f µs",
          escape(close.name), close.metrics.fileBytes.grouped, Double(t.fileBytes) / Double(close.metrics.fileBytes), close.metrics.ndcg10,
          100 * close.metrics.ndcg10 / t.ndcg10, close.metrics.microseconds))
      } else {
        items.append("<b>No point reaches 95% of the teacher's NDCG@10</b>")
      }
    }
    if let chosen = report.points.first(where: { $0.name == report.chosen }) {
      items.append(String(
        format: "<b>Chosen (%@, best validation NDCG@10)</b>: %@ — %@ bytes, %.1f µs, validation %.4f, test NDCG@10 %.4f",
        escape(report.budget), escape(chosen.name), chosen.metrics.fileBytes.grouped, chosen.metrics.microseconds,
        chosen.metrics.validationNDCG10, chosen.metrics.ndcg10))
    }
    return "<ul class=\"summary\">" + items.map { "<li>\($0)</li>" }.joined() + "</ul>\n"
  }

  /// NDCG@10 against a cost: every point (color by encoding, hollow without titles, squares
  /// for the DeepFM student), the frontier as a staircase, the teacher as reference lines.
  private static func tradeOff(
    _ report: SweepReport, id: String, title: String, cost: (SweepPoint) -> Double, teacherCost: Double?, axis: SVGChart.Axis,
    frontier: [String]
  ) -> String {
    var chart = SVGChart(id: id, title: title, x: axis, y: SVGChart.Axis(label: "test NDCG@10"))
    for encoding in SweepConfig.defaultEncodings where report.points.contains(where: { $0.key.encoding == encoding }) {
      let points = report.points.filter { $0.key.encoding == encoding }.map { p in
        SVGChart.Point(
          x: cost(p), y: p.metrics.ndcg10, label: pointLabel(p), marker: p.key.student.model == .twoTower ? .circle : .square,
          hollow: p.key.titles == .none)
      }
      chart.series.append(SVGChart.Series(name: encoding, color: encodingColors[encoding] ?? "#888", style: .scatter, points: points))
    }
    let byName = Dictionary(report.points.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let steps = frontier.compactMap { byName[$0] }.map { SVGChart.Point(x: cost($0), y: $0.metrics.ndcg10, label: $0.name) }
    chart.series.append(SVGChart.Series(name: "Pareto frontier", color: "#333", style: .steps, points: steps))
    if let t = report.teacher.metrics {
      chart.references.append(SVGChart.Reference(y: t.ndcg10, label: String(format: "teacher %.4f", t.ndcg10), color: "#111"))
      chart.references.append(SVGChart.Reference(y: 0.95 * t.ndcg10, label: "95% of the teacher", color: "#999"))
      if let teacherCost {
        chart.series.append(SVGChart.Series(
          name: "teacher", color: "#111", style: .scatter,
          points: [SVGChart.Point(x: teacherCost, y: t.ndcg10, label: "teacher: " + String(format: "NDCG@10 %.4f", t.ndcg10), marker: .square)]))
      }
    }
    chart.notes = ["● two-tower  ■ DeepFM student  ○ hollow: no titles"]
    return figure(chart)
  }

  /// ROC curves of the teacher and the chosen students: the budget's choice and the bytes frontier.
  private static func roc(_ report: SweepReport) -> String {
    var chart = SVGChart(
      id: "roc", title: "ROC: test positives against sampled negatives",
      x: SVGChart.Axis(label: "false-positive rate", range: 0...1), y: SVGChart.Axis(label: "true-positive rate", range: 0...1))
    chart.series.append(SVGChart.Series(
      name: "chance", color: "#bbb", style: .line(dashed: true), points: [SVGChart.Point(x: 0, y: 0, label: ""), SVGChart.Point(x: 1, y: 1, label: "")]))
    if let t = report.teacher.metrics, let curve = t.roc {
      chart.series.append(curveSeries(String(format: "teacher (AUC %.3f)", t.auc ?? .nan), "#111", curve))
    }
    let chosen = ([report.chosen].compactMap { $0 } + report.frontierBytes.suffix(4)).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    for (i, name) in chosen.enumerated() {
      guard let point = report.points.first(where: { $0.name == name }), let curve = point.metrics.roc else { continue }
      chart.series.append(curveSeries(String(format: "%@ (AUC %.3f)", name, point.metrics.auc ?? .nan), palette[i % palette.count], curve))
    }
    return figure(chart)
  }

  private static func curveSeries(_ name: String, _ color: String, _ curve: [RocPoint]) -> SVGChart.Series {
    SVGChart.Series(
      name: name, color: color, style: .line(dashed: false),
      points: curve.map { SVGChart.Point(x: $0.falsePositiveRate, y: $0.truePositiveRate, label: name) })
  }

  /// One line per trained student over its epochs (the pruning phase numbered on).
  private static func training(
    _ report: SweepReport, id: String, title: String, label: String, value: (EpochRecord) -> Double?
  ) -> String {
    var chart = SVGChart(id: id, title: title, x: SVGChart.Axis(label: "epoch"), y: SVGChart.Axis(label: label))
    for (i, student) in report.students.enumerated() {
      let points = student.history.epochs.compactMap { e in value(e).map { SVGChart.Point(x: Double(e.epoch), y: $0, label: "\(student.name) epoch \(e.epoch)") } }
      chart.series.append(SVGChart.Series(name: student.name, color: palette[i % palette.count], style: .line(dashed: false), points: points))
    }
    return figure(chart)
  }

  private static func figure(_ chart: SVGChart) -> String { "<figure>\(chart.render())</figure>\n" }

  private static func pointLabel(_ p: SweepPoint) -> String {
    String(
      format: "%@: NDCG@10 %.4f, %@ bytes, %.1f µs, validation %.4f", p.name, p.metrics.ndcg10, p.metrics.fileBytes.grouped,
      p.metrics.microseconds, p.metrics.validationNDCG10)
  }

  private static func table(_ report: SweepReport) -> String {
    let teacher = report.teacher.metrics
    var html = "<h2>Every point</h2>\n<table><thead><tr>"
    let header = [
      "point", "model", "dim", "pruned", "encoding", "titles", "parameters", "file bytes", "weights", "catalog", "× smaller",
      "µs/request", "val NDCG@10", "NDCG@10", "% teacher", "HR@10", "AUC", "frontier",
    ]
    html += header.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
    if let t = teacher {
      html += "<tr class=\"teacher\"><td>teacher</td><td colspan=\"6\">\(escape(report.teacher.source))</td>"
      html += "<td>\(t.fileBytes.grouped)</td><td>\(t.bytes.weights.grouped)</td><td>\(t.bytes.catalog.grouped)</td><td>1.0</td>"
      html += String(format: "<td>%.1f</td><td>%.4f</td><td>%.4f</td><td>100.0</td><td>%.4f</td><td>%.4f</td><td></td></tr>\n", t.microseconds, t.validationNDCG10, t.ndcg10, t.hr10, t.auc ?? .nan)
    }
    for p in report.points.sorted(by: { $0.metrics.fileBytes < $1.metrics.fileBytes }) {
      let m = p.metrics
      let flags = [report.frontierBytes.contains(p.name) ? "bytes" : nil, report.frontierLatency.contains(p.name) ? "µs" : nil].compactMap { $0 }
      let pruned = p.key.student.compression.prune > 0
        ? String(format: "%.0f%% %@", p.key.student.compression.prune * 100, p.key.student.compression.structured ? "neurons" : "weights") : "-"
      html += "<tr\(p.name == report.chosen ? " class=\"chosen\"" : "")><td>\(escape(p.name))</td><td>\(p.key.student.model.rawValue)</td>"
      html += "<td>\(p.key.student.dim)</td><td>\(pruned)</td><td>\(p.key.encoding)</td><td>\(p.key.titles.rawValue)</td>"
      html += "<td>\(p.parameters.grouped)</td><td>\(m.fileBytes.grouped)</td><td>\(m.bytes.weights.grouped)</td><td>\(m.bytes.catalog.grouped)</td>"
      html += "<td>" + (teacher.map { String(format: "%.1f", Double($0.fileBytes) / Double(m.fileBytes)) } ?? "-") + "</td>"
      html += String(format: "<td>%.1f</td><td>%.4f</td><td>%.4f</td>", m.microseconds, m.validationNDCG10, m.ndcg10)
      html += "<td>" + (teacher.map { String(format: "%.1f", 100 * m.ndcg10 / $0.ndcg10) } ?? "-") + "</td>"
      html += String(format: "<td>%.4f</td><td>%.4f</td>", m.hr10, m.auc ?? .nan)
      html += "<td>\(flags.joined(separator: ", "))</td></tr>\n"
    }
    return html + "</tbody></table>\n"
  }

  static func escape(_ text: String) -> String { SVGChart.escape(text) }

  static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1400px}
    h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#555;margin:0 0 12px}
    .summary{padding-left:18px}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
    figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:6px;background:#fff}
    svg.chart{width:100%;height:auto;font-size:11px}.chart-title{font-size:14px;font-weight:600}
    .plot{fill:#fafafa;stroke:#ccc}.grid{stroke:#e6e6e6}.tick{fill:#555}.axis-label{fill:#333;font-size:12px}
    .reference{stroke-width:1.2}.reference-label{font-size:11px}.series-line{fill:none;stroke-width:1.8}
    .frontier{fill:none;stroke-width:2.2;opacity:.8}.legend-text,.legend-note{fill:#333}.legend-note{fill:#666}
    table{border-collapse:collapse;font-size:12px;margin-top:6px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}
    th{background:#f3f3f3;position:sticky;top:0}td:first-child,th:first-child{text-align:left}
    tr.teacher{background:#f0f0f0;font-weight:600}tr.chosen{background:#fff3cd}
    """
}
