// A small SVG chart writer for the sweep report: scatter points, lines and reference lines
// over linear or logarithmic axes, with ticks, labels, a legend and a tooltip per point. The
// report needs five plain charts and must open with no network and no script, so a few hundred
// lines of Swift that write the SVG directly serve it better than a plotting stack the toolkit
// would otherwise not need (and the output is deterministic, so tests can read it).

import Foundation

struct SVGChart {
  enum Scale { case linear, log }

  enum Marker { case circle, square }

  /// One mark of a scatter series.
  struct Point {
    var x: Double
    var y: Double
    /// Tooltip (the point's name and numbers).
    var label: String
    var marker: Marker = .circle
    var hollow = false
  }

  enum Style {
    case scatter
    case line(dashed: Bool)
    /// A staircase (Pareto frontier): flat to the next x, then up.
    case steps
  }

  struct Series {
    var name: String
    var color: String
    var style: Style
    var points: [Point]
  }

  /// A horizontal line across the plot at `y`.
  struct Reference {
    var y: Double
    var label: String
    var color: String
    var dashed = true
  }

  struct Axis {
    var label: String
    var scale: Scale = .linear
    /// Forced range (nil: the data's, padded).
    var range: ClosedRange<Double>? = nil
    var format: (Double) -> String = { SVGChart.number($0) }
  }

  var id: String
  var title: String
  var x: Axis
  var y: Axis
  var series: [Series] = []
  var references: [Reference] = []
  /// Legend entries beyond the series' own (e.g. what hollow marks mean).
  var notes: [String] = []
  var width = 660.0
  var height = 420.0
  private let margin = (left: 70.0, right: 20.0, top: 36.0, bottom: 52.0)

  init(id: String, title: String, x: Axis, y: Axis) {
    self.id = id
    self.title = title
    self.x = x
    self.y = y
  }

  private var plotWidth: Double { width - margin.left - margin.right }
  private var plotHeight: Double { height - margin.top - margin.bottom }

  /// The axis ranges: forced, or the data's (and the references' for y) with some padding.
  private func ranges() -> (ClosedRange<Double>, ClosedRange<Double>) {
    let points = series.flatMap(\.points)
    func range(_ values: [Double], _ axis: Axis) -> ClosedRange<Double> {
      if let forced = axis.range { return forced }
      let usable = axis.scale == .log ? values.filter { $0 > 0 } : values.filter(\.isFinite)
      guard let low = usable.min(), let high = usable.max() else { return axis.scale == .log ? 1...10 : 0...1 }
      if axis.scale == .log { return (low / 1.5)...(high * 1.5) }
      let pad = high > low ? (high - low) * 0.08 : max(abs(high) * 0.1, 1e-3)
      return (low - pad)...(high + pad)
    }
    return (range(points.map(\.x), x), range(points.map(\.y) + references.map(\.y), y))
  }

  private func position(_ value: Double, _ range: ClosedRange<Double>, _ scale: Scale, length: Double) -> Double {
    let fraction: Double
    switch scale {
    case .linear: fraction = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
    case .log: fraction = (log10(max(value, 1e-300)) - log10(range.lowerBound)) / (log10(range.upperBound) - log10(range.lowerBound))
    }
    return fraction * length
  }

  private func px(_ value: Double, _ range: ClosedRange<Double>) -> Double { margin.left + position(value, range, x.scale, length: plotWidth) }
  private func py(_ value: Double, _ range: ClosedRange<Double>) -> Double { margin.top + plotHeight - position(value, range, y.scale, length: plotHeight) }

  /// Tick values inside `range`: 1-2-5 steps (linear) or 1, 2, 5 × powers of ten (log).
  static func ticks(_ range: ClosedRange<Double>, _ scale: Scale) -> [Double] {
    switch scale {
    case .log:
      var ticks: [Double] = []
      var decade = pow(10, floor(log10(range.lowerBound)))
      while decade <= range.upperBound {
        for m in [1.0, 2, 5] where range.contains(decade * m) { ticks.append(decade * m) }
        decade *= 10
      }
      return ticks
    case .linear:
      let span = range.upperBound - range.lowerBound
      guard span > 0 else { return [range.lowerBound] }
      let raw = span / 6
      let magnitude = pow(10, floor(log10(raw)))
      let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
      var tick = ceil(range.lowerBound / step) * step
      var ticks: [Double] = []
      while tick <= range.upperBound + step * 1e-9 {
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        tick += step
      }
      return ticks
    }
  }

  func render() -> String {
    let (xr, yr) = ranges()
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(SVGChart.escape(title))\">\n"
    svg += "<title>\(SVGChart.escape(title))</title>\n"
    svg += "<text x=\"\(margin.left)\" y=\"22\" class=\"chart-title\">\(SVGChart.escape(title))</text>\n"
    svg += "<rect x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" class=\"plot\"/>\n"
    for tick in SVGChart.ticks(xr, x.scale) {
      let at = px(tick, xr)
      svg += "<line x1=\"\(f(at))\" y1=\"\(margin.top)\" x2=\"\(f(at))\" y2=\"\(f(margin.top + plotHeight))\" class=\"grid\"/>"
      svg += "<text x=\"\(f(at))\" y=\"\(f(margin.top + plotHeight + 16))\" class=\"tick\" text-anchor=\"middle\">\(SVGChart.escape(x.format(tick)))</text>\n"
    }
    for tick in SVGChart.ticks(yr, y.scale) {
      let at = py(tick, yr)
      svg += "<line x1=\"\(margin.left)\" y1=\"\(f(at))\" x2=\"\(f(margin.left + plotWidth))\" y2=\"\(f(at))\" class=\"grid\"/>"
      svg += "<text x=\"\(f(margin.left - 6))\" y=\"\(f(at + 4))\" class=\"tick\" text-anchor=\"end\">\(SVGChart.escape(y.format(tick)))</text>\n"
    }
    svg += "<text x=\"\(f(margin.left + plotWidth / 2))\" y=\"\(f(height - 10))\" class=\"axis-label\" text-anchor=\"middle\">\(SVGChart.escape(x.label))</text>\n"
    svg += "<text transform=\"translate(16 \(f(margin.top + plotHeight / 2))) rotate(-90)\" class=\"axis-label\" text-anchor=\"middle\">\(SVGChart.escape(y.label))</text>\n"
    svg += "<defs><clipPath id=\"clip-\(id)\"><rect x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\"/></clipPath></defs>\n"
    svg += "<g clip-path=\"url(#clip-\(id))\">\n"
    for reference in references where yr.contains(reference.y) {
      let at = py(reference.y, yr)
      svg += "<line x1=\"\(margin.left)\" y1=\"\(f(at))\" x2=\"\(f(margin.left + plotWidth))\" y2=\"\(f(at))\" stroke=\"\(reference.color)\" class=\"reference\"\(reference.dashed ? " stroke-dasharray=\"6 4\"" : "")><title>\(SVGChart.escape(reference.label))</title></line>"
      svg += "<text x=\"\(f(margin.left + plotWidth - 4))\" y=\"\(f(at - 5))\" class=\"reference-label\" text-anchor=\"end\" fill=\"\(reference.color)\">\(SVGChart.escape(reference.label))</text>\n"
    }
    for s in series { svg += render(s, xr, yr) }
    svg += "</g>\n"
    svg += legend()
    svg += "</svg>\n"
    return svg
  }

  private func render(_ s: Series, _ xr: ClosedRange<Double>, _ yr: ClosedRange<Double>) -> String {
    let usable = s.points.filter { (x.scale == .linear || $0.x > 0) && (y.scale == .linear || $0.y > 0) && $0.x.isFinite && $0.y.isFinite }
    switch s.style {
    case .scatter:
      return usable.map { p in
        let (cx, cy) = (px(p.x, xr), py(p.y, yr))
        let fill = p.hollow ? "none" : s.color
        let shape = p.marker == .circle
          ? "<circle cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"5\""
          : "<rect x=\"\(f(cx - 4.5))\" y=\"\(f(cy - 4.5))\" width=\"9\" height=\"9\""
        return shape + " class=\"mark\" fill=\"\(fill)\" stroke=\"\(s.color)\" stroke-width=\"1.6\"><title>\(SVGChart.escape(p.label))</title>"
          + (p.marker == .circle ? "</circle>" : "</rect>") + "\n"
      }.joined()
    case .line(let dashed):
      guard !usable.isEmpty else { return "" }
      let path = usable.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(f(px($0.element.x, xr))) \(f(py($0.element.y, yr)))" }.joined(separator: " ")
      return "<path d=\"\(path)\" class=\"series-line\" stroke=\"\(s.color)\"\(dashed ? " stroke-dasharray=\"5 4\"" : "")><title>\(SVGChart.escape(s.name))</title></path>\n"
    case .steps:
      guard let first = usable.first else { return "" }
      var path = "M\(f(px(first.x, xr))) \(f(py(first.y, yr)))"
      for (previous, next) in zip(usable, usable.dropFirst()) {
        path += " L\(f(px(next.x, xr))) \(f(py(previous.y, yr))) L\(f(px(next.x, xr))) \(f(py(next.y, yr)))"
      }
      return "<path d=\"\(path)\" class=\"frontier\" stroke=\"\(s.color)\"><title>\(SVGChart.escape(s.name))</title></path>\n"
    }
  }

  private func legend() -> String {
    let entries = series.map { ($0.name, $0.color, $0.style) }
    guard !entries.isEmpty || !notes.isEmpty else { return "" }
    var out = "<g class=\"legend\">"
    var row = 0.0
    let left = margin.left + 10
    for (name, color, style) in entries {
      let y = margin.top + 14 + row * 16
      switch style {
      case .scatter: out += "<circle cx=\"\(f(left + 5))\" cy=\"\(f(y - 4))\" r=\"4.5\" fill=\"\(color)\"/>"
      case .line(let dashed):
        out += "<line x1=\"\(f(left))\" y1=\"\(f(y - 4))\" x2=\"\(f(left + 12))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"3 2\"" : "")/>"
      case .steps: out += "<line x1=\"\(f(left))\" y1=\"\(f(y - 4))\" x2=\"\(f(left + 12))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"3\"/>"
      }
      out += "<text x=\"\(f(left + 18))\" y=\"\(f(y))\" class=\"legend-text\">\(SVGChart.escape(name))</text>"
      row += 1
    }
    for note in notes {
      out += "<text x=\"\(f(left))\" y=\"\(f(margin.top + 14 + row * 16))\" class=\"legend-note\">\(SVGChart.escape(note))</text>"
      row += 1
    }
    return out + "</g>\n"
  }

  private func f(_ value: Double) -> String { String(format: "%.1f", value) }

  /// 0.0812, 12.5, 3,000.
  static func number(_ value: Double) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1000 { return Int(value.rounded()).grouped }
    if magnitude >= 10 { return String(format: "%.0f", value) }
    if magnitude >= 1 { return String(format: "%.1f", value) }
    if magnitude >= 0.1 { return String(format: "%.2f", value) }
    return String(format: "%.3f", value)
  }

  /// 950 B, 120 KB, 6.1 MB.
  static func bytes(_ value: Double) -> String {
    if value >= 1_000_000 { return String(format: value >= 10_000_000 ? "%.0f MB" : "%.1f MB", value / 1_000_000) }
    if value >= 1000 { return String(format: "%.0f KB", value / 1000) }
    return String(format: "%.0f B", value)
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
