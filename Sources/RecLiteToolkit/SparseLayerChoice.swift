// Which pruned dense layers to store as CSR. Sparse weights pay only where the runtime's sparse
// kernel beats its packed dense one on that layer, which depends on the layer's shape, its
// sparsity and the machine — so it is measured, not assumed: every layer with enough zeros is
// exported both ways and the file's recommend latency timed through the runtime, alternating
// the two files; CSR is kept where it was faster by a clear margin, and every measurement is
// recorded in the file's metadata.

import Foundation
import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public enum SparseLayerChoice {
  /// One layer's timing: mean recommend latency with the layer dense and with it as CSR.
  public struct Measurement: Sendable, Codable, Equatable {
    public var layer: String
    public var sparsity: Double
    public var denseMicroseconds: Double
    public var csrMicroseconds: Double
    public var csr: Bool
  }

  /// Layers with fewer zeros than this are left dense unmeasured: the sparse kernel's work per
  /// nonzero is several times the dense kernel's per weight.
  public static let minimumSparsity = 0.5
  /// CSR must be at least this much faster (noise on a shared machine is a few percent).
  public static let margin = 0.03
  /// Timing rounds per file (alternating dense, CSR).
  static let rounds = 3

  /// `options` with `csrLayers` set to the layers of `builder(options)`'s model that ran faster
  /// as CSR, and the measurements. `users` and `exclude` are the timed requests.
  public static func choose(
    options: ExportOptions, users: [Int64], exclude: [[Int64]], build: (ExportOptions) throws -> ModelBuilder
  ) throws -> (options: ExportOptions, measurements: [Measurement]) {
    var dense = options
    dense.csrLayers = []
    let baseline = try serializedModel(build(dense))
    var measurements: [Measurement] = []
    for (layer, sparsity) in sparseLayers(baseline.graph) where sparsity >= minimumSparsity {
      var variant = dense
      variant.csrLayers = [layer]
      let sparse = try serializedModel(build(variant))
      var denseTimes: [Double] = []
      var csrTimes: [Double] = []
      for _ in 0..<rounds {
        denseTimes.append(try RecommendLatency.measure(baseline, users: users, exclude: exclude, budgetSeconds: 1).meanMicroseconds)
        csrTimes.append(try RecommendLatency.measure(sparse, users: users, exclude: exclude, budgetSeconds: 1).meanMicroseconds)
      }
      let (d, c) = (median(denseTimes), median(csrTimes))
      measurements.append(Measurement(layer: layer, sparsity: sparsity, denseMicroseconds: d, csrMicroseconds: c, csr: c < d * (1 - margin)))
    }
    var chosen = dense
    chosen.csrLayers = measurements.filter(\.csr).map(\.layer)
    return (chosen, measurements)
  }

  /// The weight tensors of the model's DENSE ops that run per candidate, with their fraction of
  /// zero values. Request-stage layers run once per request, a vanishing share of its time, so
  /// timing them would only measure noise.
  public static func sparseLayers(_ graph: ModelGraph) -> [(layer: String, sparsity: Double)] {
    var layers: [(String, Double)] = []
    for op in graph.ops where op.code == .dense && op.stage == .candidate {
      let t = graph.input(op, 1)
      guard let values = TensorValues.floats(t, in: graph), !values.isEmpty else { continue }
      let zeros = values.filter { $0 == 0 }.count
      layers.append((graph.tensors[t].name.description, Double(zeros) / Double(values.count)))
    }
    return layers
  }

  /// The metadata entry that records the choice: one line per measured layer.
  public static func metadata(_ measurements: [Measurement]) -> String {
    measurements.map {
      String(
        format: "%@: %.0f%% zeros, %@ (recommend %.1f µs dense, %.1f µs CSR)", $0.layer, $0.sparsity * 100,
        $0.csr ? "CSR" : "dense", $0.denseMicroseconds, $0.csrMicroseconds)
    }.joined(separator: "; ")
  }

  private static func serializedModel(_ builder: ModelBuilder) throws -> RecLiteRuntime.Model {
    let bytes = try builder.serialize()
    return try bytes.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { throw ModelWriterError("internal: empty model") }
      return try RecLiteRuntime.Model.open(buffer: base, length: raw.count, copy: true, verifyChecksum: true)
    }
  }

  private static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
