// How trained parameters are stored in the .rlm file.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public struct ExportOptions: Sendable, Codable, Equatable {
  /// Embedding tables and the precomputed item-side tables.
  public enum Tables: String, Sendable, Codable, CaseIterable {
    case float32, float16
    /// Row-wise uint8 codes with a float32 scale and bias per row.
    case int8
    /// Row-wise uint4 codes with a float16 scale and bias per row.
    case int4
  }

  /// Dense layer weights.
  public enum Weights: String, Sendable, Codable, CaseIterable {
    case float32
    /// Symmetric int8 codes with one float32 scale per output channel.
    case int8
  }

  /// Whether to precompute item-side work (first-layer item block, field sums) for every item.
  public enum ItemPrecompute: String, Sendable, Codable, CaseIterable {
    /// Precompute when the tables are at most three times the item embeddings they replace.
    case auto
    /// Always: fastest per candidate, largest file for wide first layers.
    case always
    /// Never: smallest file; each candidate runs its item block.
    case never
  }

  public var tables: Tables
  public var weights: Weights
  public var precompute: ItemPrecompute
  /// Candidates the runtime scores per chunk.
  public var maxBatch: Int

  public init(tables: Tables = .float32, weights: Weights = .float32, precompute: ItemPrecompute = .auto, maxBatch: Int = 256) {
    self.tables = tables
    self.weights = weights
    self.precompute = precompute
    self.maxBatch = maxBatch
  }

  /// Bit-for-bit the trained float32 parameters.
  public static let exact = ExportOptions()
  /// int8 tables and weights: about a quarter of the float32 size.
  public static let int8 = ExportOptions(tables: .int8, weights: .int8)

  /// Short label for reports ("f32", "int8", "int4+int8").
  public var label: String {
    switch (tables, weights) {
    case (.float32, .float32): return "f32"
    case (.int8, .int8): return "int8"
    default: return "\(tables.rawValue) tables, \(weights.rawValue) weights"
    }
  }
}

extension ModelBuilder {
  /// A [rows, width] table (row-major values) in the chosen encoding. Row-wise quantization is
  /// used only where a quantized row (codes plus its scale and bias) is smaller than the float32
  /// row — not for 1- or 2-wide tables such as per-item biases.
  func table(_ name: String, _ values: [Float], rows: Int, width: Int, _ encoding: ExportOptions.Tables) -> TensorRef {
    precondition(values.count == rows * width, "\(name): \(values.count) values for [\(rows), \(width)]")
    let shape = [rows, width]
    let bits = encoding == .int8 ? 8 : 4
    let shrinks = RowWiseLayout.rowBytes(type: bits == 8 ? .uint8 : .uint4, width: width) < width * 4
    switch encoding {
    case .int8 where shrinks, .int4 where shrinks:
      return constant(
        name, type: bits == 8 ? .uint8 : .uint4, shape: shape,
        bytes: Quantize.rowWise(values, rows: rows, width: width, bits: bits), quantization: .rowWise)
    case .float16:
      return constant(name, type: .float16, shape: shape, bytes: Quantize.float16(values))
    default:
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
