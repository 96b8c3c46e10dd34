// Builds .rlm files: tensors, ops, features, signatures, catalog, metadata.
// The memory plan is computed by the runtime's own loader and planner, and
// every file is opened by the runtime with full verification before it is
// returned, so the writer cannot produce a model the runtime rejects.

import CRecLiteFormat
import Foundation
import RecLiteRuntime

/// A tensor of the model being built.
public struct TensorRef: Hashable, Sendable {
  public let index: Int
}

/// A feature of the model being built and the graph input that receives its row.
public struct FeatureRef: Hashable, Sendable {
  public let index: Int
  public let input: TensorRef
}

/// How a constant's stored values map to real numbers.
public enum QuantizationSpec: Sendable {
  case none
  case perTensor(scale: Float, zeroPoint: Int32)
  case perChannel(scales: [Float], zeroPoints: [Int32]?, axis: Int)
  case rowWise
}

public struct ModelWriterError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

public final class ModelBuilder {
  struct Tensor {
    var name: String
    var type: ElementType
    var shape: [Int64]
    var buffer: Int
    var quantization: QuantizationSpec = .none
    var sparsity: (rowOffsets: Int, columns: Int)? = nil
    var rowRemap: Int = -1
    /// Activations: whether the value changes per candidate.
    var perCandidate = false
  }

  struct Op {
    /// An OpCode's raw value (tests write unknown codes).
    var code: UInt8
    var inputs: [Int32]
    var outputs: [Int32]
    var activation: Activation
    var bagMode: BagMode
  }

  struct Feature {
    var name: String
    var kind: FeatureKind
    var vocabulary: Int
    var rowCount: Int
    var oovRow: Int
    var input: Int
  }

  var tensors: [Tensor] = []
  var buffers: [[UInt8]] = [[]]  // buffer 0 is the empty buffer
  var ops: [Op] = []
  var features: [Feature] = []
  var signatures: [(name: String, output: Int)] = []
  var catalog: (feature: Int, titles: [String]?, popularity: [Int32])? = nil
  var metadata: [String: String] = [:]
  public var description: String
  /// Format version written to the file (tests write newer ones).
  var formatVersion = UInt32(ModelLoader.formatVersion)

  public init(description: String = "") {
    self.description = description
  }

  // MARK: Tensors

  /// A constant with raw stored bytes (already encoded for `type` and `quantization`).
  public func constant(
    _ name: String, type: ElementType, shape: [Int], bytes: [UInt8], quantization: QuantizationSpec = .none
  ) -> TensorRef {
    buffers.append(bytes)
    tensors.append(
      Tensor(name: name, type: type, shape: shape.map(Int64.init), buffer: buffers.count - 1, quantization: quantization))
    return TensorRef(index: tensors.count - 1)
  }

  public func constant(_ name: String, floats: [Float], shape: [Int]) -> TensorRef {
    constant(name, type: .float32, shape: shape, bytes: Encoding.bytes(floats))
  }

  public func constant(_ name: String, int32s: [Int32]) -> TensorRef {
    constant(name, type: .int32, shape: [int32s.count], bytes: Encoding.bytes(int32s))
  }

  public func constant(_ name: String, int64s: [Int64]) -> TensorRef {
    constant(name, type: .int64, shape: [int64s.count], bytes: Encoding.bytes(int64s))
  }

  /// Stores `table` in CSR form: `values` holds only the nonzeros of a [rows, columns] matrix.
  public func makeSparse(_ table: TensorRef, rowOffsets: [Int32], columns: [Int32]) {
    let offsets = constant(tensors[table.index].name + ".row_offsets", int32s: rowOffsets)
    let indices = constant(tensors[table.index].name + ".columns", int32s: columns)
    tensors[table.index].sparsity = (offsets.index, indices.index)
  }

  /// Gives an embedding table a logical → stored row map (-1 = pruned row).
  public func setRowRemap(_ table: TensorRef, _ remap: [Int32]) {
    let map = constant(tensors[table.index].name + ".row_remap", int32s: remap)
    tensors[table.index].rowRemap = map.index
  }

  private func activation(_ name: String, type: ElementType, perCandidate: Bool, width: Int?) -> TensorRef {
    let rows: Int64 = perCandidate ? -1 : 1
    let shape = width.map { [rows, Int64($0)] } ?? [rows]
    tensors.append(Tensor(name: name, type: type, shape: shape, buffer: 0, perCandidate: perCandidate))
    return TensorRef(index: tensors.count - 1)
  }

  // MARK: Features

  /// A feature whose raw values map to rows through a sorted vocabulary (row = position).
  /// Unknown values use `oovRow` (by default the row after the known ones).
  public func feature(_ name: String, kind: FeatureKind, vocabulary: [Int64], oovRow: Int? = nil) -> FeatureRef {
    let table = constant(name + ".vocabulary", int64s: vocabulary)
    return addFeature(name, kind: kind, vocabulary: table.index, rowCount: vocabulary.count, oovRow: oovRow)
  }

  /// A feature whose raw value is its row (0 ..< rowCount), e.g. hour of day.
  public func feature(_ name: String, kind: FeatureKind, identityRows rowCount: Int, oovRow: Int? = nil) -> FeatureRef {
    addFeature(name, kind: kind, vocabulary: -1, rowCount: rowCount, oovRow: oovRow)
  }

  private func addFeature(_ name: String, kind: FeatureKind, vocabulary: Int, rowCount: Int, oovRow: Int?) -> FeatureRef {
    let input = activation(name + ".row", type: .int32, perCandidate: kind == .item, width: nil)
    features.append(
      Feature(name: name, kind: kind, vocabulary: vocabulary, rowCount: rowCount, oovRow: oovRow ?? rowCount, input: input.index))
    return FeatureRef(index: features.count - 1, input: input)
  }

  // MARK: Ops

  private func width(_ t: TensorRef) -> Int { Int(tensors[t.index].shape.last ?? 1) }
  private func perCandidate(_ refs: [TensorRef]) -> Bool { refs.contains { tensors[$0.index].perCandidate } }

  private func addOp(
    _ code: OpCode, _ inputs: [TensorRef?], output name: String?, width: Int, activation: Activation = .none,
    bagMode: BagMode = .sum, stageFrom: [TensorRef]
  ) -> TensorRef {
    var outputs: [Int32] = []
    var result = TensorRef(index: -1)
    if let name {
      result = self.activation(name, type: .float32, perCandidate: perCandidate(stageFrom), width: width)
      outputs = [Int32(result.index)]
    }
    ops.append(
      Op(code: code.rawValue, inputs: inputs.map { Int32($0?.index ?? -1) }, outputs: outputs, activation: activation, bagMode: bagMode))
    return result
  }

  /// Rows of `table` for a feature's rows: [n, d].
  public func embeddingLookup(_ name: String, table: TensorRef, ids feature: FeatureRef) -> TensorRef {
    addOp(.embeddingLookup, [table, feature.input], output: name, width: width(table), stageFrom: [feature.input])
  }

  /// Pools table rows listed per feature row (CSR `offsets`/`values`): [n, d].
  public func embeddingBag(
    _ name: String, table: TensorRef, ids feature: FeatureRef, offsets: [Int32], values: [Int32], mode: BagMode
  ) -> TensorRef {
    let offsetsTensor = constant(name + ".offsets", int32s: offsets)
    let valuesTensor = constant(name + ".values", int32s: values)
    return addOp(
      .embeddingBag, [table, feature.input, offsetsTensor, valuesTensor], output: name, width: width(table),
      bagMode: mode, stageFrom: [feature.input])
  }

  /// x · Wᵀ + b with `weight` [out, in].
  public func dense(
    _ name: String, _ x: TensorRef, weight: TensorRef, bias: TensorRef?, activation: Activation = .none
  ) -> TensorRef {
    addOp(
      .dense, [x, weight, bias], output: name, width: Int(tensors[weight.index].shape[0]), activation: activation,
      stageFrom: [x])
  }

  public func concat(_ name: String, _ inputs: [TensorRef], activation: Activation = .none) -> TensorRef {
    addOp(.concat, inputs, output: name, width: inputs.map(width).reduce(0, +), activation: activation, stageFrom: inputs)
  }

  public func add(_ name: String, _ a: TensorRef, _ b: TensorRef, activation: Activation = .none) -> TensorRef {
    addOp(.add, [a, b], output: name, width: width(a), activation: activation, stageFrom: [a, b])
  }

  public func mul(_ name: String, _ a: TensorRef, _ b: TensorRef, activation: Activation = .none) -> TensorRef {
    addOp(.mul, [a, b], output: name, width: width(a), activation: activation, stageFrom: [a, b])
  }

  public func dot(_ name: String, _ a: TensorRef, _ b: TensorRef, activation: Activation = .none) -> TensorRef {
    addOp(.dot, [a, b], output: name, width: 1, activation: activation, stageFrom: [a, b])
  }

  public func fmInteraction(_ name: String, _ fields: [TensorRef], activation: Activation = .none) -> TensorRef {
    addOp(.fmInteraction, fields, output: name, width: 1, activation: activation, stageFrom: fields)
  }

  public func sigmoid(_ name: String, _ x: TensorRef) -> TensorRef {
    addOp(.sigmoid, [x], output: name, width: width(x), stageFrom: [x])
  }

  // MARK: Signatures, catalog, metadata

  /// Declares `scores` ([-1, 1] per candidate) as the model's output: adds the
  /// "score" signature and, when `recommend`, a TOP_K op and the "recommend" signature.
  public func outputs(scores: TensorRef, recommend: Bool = true) {
    signatures.append(("score", scores.index))
    if recommend {
      _ = addOp(.topK, [scores], output: nil, width: 1, stageFrom: [scores])
      signatures.append(("recommend", scores.index))
    }
  }

  /// The items `recommend` ranks: the item feature's rows, with optional
  /// titles (one per row) and the rows in popularity order for cold start.
  public func catalog(item: FeatureRef, titles: [String]?, popularity: [Int32]) {
    catalog = (item.index, titles, popularity)
  }

  public func metadata(_ key: String, _ value: String) {
    metadata[key] = value
  }
}

/// Little-endian byte encodings of plain arrays.
public enum Encoding {
  public static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(values.count * MemoryLayout<T>.size)
    for value in values {
      withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
    return out
  }

  public static func bytes(_ values: [Float]) -> [UInt8] { bytes(values.map(\.bitPattern)) }
}
