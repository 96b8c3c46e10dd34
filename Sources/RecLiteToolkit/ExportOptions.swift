// How trained parameters are stored in the .rlm file.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public struct ExportOptions: Sendable, Codable, Equatable {
  /// Embedding tables and the precomputed item-side tables.
  public enum Tables: String, Sendable, Codable, CaseIterable {
    case float32
    /// Row-wise uint8 codes with a float32 scale and bias per row.
    case int8
  }

  /// Dense layer weights.
  public enum Weights: String, Sendable, Codable, CaseIterable {
    case float32
    /// Symmetric int8 codes with one float32 scale per output channel.
    case int8
  }

  /// Whether to precompute item-side work (first-layer item block, field sums) for every item.
  public enum ItemPrecompute: String, Sendable, Codable, CaseIterable {
    /// Precompute unless the tables would pass `DeepFMExport.precomputeBudget` (64 MiB).
    case auto
    /// Always: fastest per candidate, largest file for wide first layers.
    case always
    /// Never: smallest file; each candidate runs its item block.
    case never
  }

  public var tables: Tables
  public var weights: Weights
  public var precompute: ItemPrecompute

  public init(tables: Tables = .float32, weights: Weights = .float32, precompute: ItemPrecompute = .auto) {
    self.tables = tables
    self.weights = weights
    self.precompute = precompute
  }

  /// Bit-for-bit the trained float32 parameters.
  public static let exact = ExportOptions()
  /// int8 tables and weights: about a quarter of the float32 size.
  public static let int8 = ExportOptions(tables: .int8, weights: .int8)

  /// Short label for reports and file names: "f32" or "int8" when tables and weights agree,
  /// otherwise tables then weights ("int8-f32"). Only letters, digits and dashes.
  public var label: String {
    func short(_ raw: String) -> String { raw == "float32" ? "f32" : raw }
    let (t, w) = (short(tables.rawValue), short(weights.rawValue))
    return t == w ? t : "\(t)-\(w)"
  }
}

extension ModelBuilder {
  /// A [rows, width] table (row-major values) in the chosen encoding. Row-wise quantization is
  /// used only where a quantized row (codes plus its scale and bias) is smaller than the float32
  /// row — not for 1- or 2-wide tables such as per-item biases.
  func table(_ name: String, _ values: [Float], rows: Int, width: Int, _ encoding: ExportOptions.Tables) -> TensorRef {
    precondition(values.count == rows * width, "\(name): \(values.count) values for [\(rows), \(width)]")
    let shape = [rows, width]
    let shrinks = RowWiseLayout.rowBytes(type: .uint8, width: width) < width * 4
    switch encoding {
    case .int8 where shrinks:
      return constant(
        name, type: .uint8, shape: shape, bytes: Quantize.rowWise(values, rows: rows, width: width, bits: 8),
        quantization: .rowWise)
    case .int8, .float32:
      return constant(name, floats: values, shape: shape)
    }
  }

  /// A dense layer's weight [outputs, inputs] in the chosen encoding.
  func weight(_ name: String, _ values: [Float], outputs: Int, inputs: Int, _ encoding: ExportOptions.Weights) -> TensorRef {
    switch encoding {
    case .float32:
      return constant(name, floats: values, shape: [outputs, inputs])
    case .int8:
      let (bytes, scales) = Quantize.perChannelInt8(values, outputs: outputs, inputs: inputs)
      return constant(
        name, type: .int8, shape: [outputs, inputs], bytes: bytes,
        quantization: .perChannel(scales: scales, zeroPoints: nil, axis: 0))
    }
  }

  /// A dense op for a trained layer.
  func dense(_ name: String, _ x: TensorRef, layer: Dense, activation: Activation, _ encoding: ExportOptions.Weights) -> TensorRef {
    dense(
      name, x, weight: weight(name + ".weight", layer.weight, outputs: layer.outputs, inputs: layer.inputs, encoding),
      bias: constant(name + ".bias", floats: layer.bias, shape: [layer.outputs]), activation: activation)
  }
}
