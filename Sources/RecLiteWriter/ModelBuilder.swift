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
    /// Mixed-precision tables: the second part and the row bitmap (format 2).
    var splitTable: Int = -1
    var rowSplit: Int = -1
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
  /// Buffer index of each distinct content: constants with equal bytes share one buffer, so
  /// nothing is stored twice.
  var bufferIndex: [[UInt8]: Int] = [:]
  var ops: [Op] = []
  var features: [Feature] = []
  var signatures: [(name: String, output: Int)] = []
  var catalog: (feature: Int, titles: [String]?, popularity: [Int32])? = nil
  var metadata: [String: String] = [:]
  public var description: String
  /// Format version written to the file; nil writes the oldest version that has every feature
  /// the model uses (`FormatFeatures`), so files without format 2's features stay readable by
  /// format 1 libraries. Tests write other versions.
  var formatVersion: UInt32? = nil
  /// Store index vectors in the narrowest type that holds them (format 2): vocabularies as
  /// INT32 when the ids fit, bag offsets and values and CSR indices as UINT8 when they fit.
  public var narrowIndices = false

  public init(description: String = "") {
    self.description = description
  }

  // MARK: Tensors

  /// A constant with raw stored bytes (already encoded for `type` and `quantization`).
  public func constant(
    _ name: String, type: ElementType, shape: [Int], bytes: [UInt8], quantization: QuantizationSpec = .none
  ) -> TensorRef {
    tensors.append(
      Tensor(name: name, type: type, shape: shape.map(Int64.init), buffer: buffer(holding: bytes), quantization: quantization))
    return TensorRef(index: tensors.count - 1)
  }

  /// The buffer index of `bytes`: an existing buffer with the same bytes, or a new one.
  func buffer(holding bytes: [UInt8]) -> Int {
    if let existing = bufferIndex[bytes] { return existing }
    buffers.append(bytes)
    bufferIndex[bytes] = buffers.count - 1
    return buffers.count - 1
  }

  /// Replaces the stored values of constant `t` (its name, row remap and users kept): type,
  /// shape, bytes and quantization; sparsity and split part cleared.
  func restore(_ t: Int, type: ElementType, shape: [Int], bytes: [UInt8], quantization: QuantizationSpec = .none) {
    tensors[t].type = type
    tensors[t].shape = shape.map(Int64.init)
    tensors[t].buffer = buffer(holding: bytes)
    tensors[t].quantization = quantization
    tensors[t].sparsity = nil
    tensors[t].splitTable = -1
    tensors[t].rowSplit = -1
  }

  public func constant(_ name: String, floats: [Float], shape: [Int]) -> TensorRef {
    constant(name, type: .float32, shape: shape, bytes: Encoding.bytes(floats))
  }

  public func constant(_ name: String, int32s: [Int32]) -> TensorRef {
    constant(name, type: .int32, shape: [int32s.count], bytes: Encoding.bytes(int32s))
  }

  /// An index vector (bag offsets or values, CSR indices, a row remap): UINT8 when
  /// `narrowIndices` is on and every value is in 0...255, else INT32.
  public func constant(_ name: String, indices: [Int32]) -> TensorRef {
    guard narrowIndices, !indices.isEmpty, indices.allSatisfy({ (0...255).contains($0) }) else {
      return constant(name, int32s: indices)
    }
    return constant(name, type: .uint8, shape: [indices.count], bytes: indices.map { UInt8($0) })
  }

  public func constant(_ name: String, int64s: [Int64]) -> TensorRef {
    constant(name, type: .int64, shape: [int64s.count], bytes: Encoding.bytes(int64s))
  }

  /// Stores `table` in CSR form: `values` holds only the nonzeros of a [rows, columns] matrix.
  public func makeSparse(_ table: TensorRef, rowOffsets: [Int32], columns: [Int32]) {
    let offsets = constant(tensors[table.index].name + ".row_offsets", indices: rowOffsets)
    let indices = constant(tensors[table.index].name + ".columns", indices: columns)
    tensors[table.index].sparsity = (offsets.index, indices.index)
  }

  /// Gives an embedding table a logical → stored row map (-1 = pruned row); returns the map,
  /// which other tables indexed the same way can share (`setRowRemap(_:to:)`).
  @discardableResult
  public func setRowRemap(_ table: TensorRef, _ remap: [Int32]) -> TensorRef {
    let map = constant(tensors[table.index].name + ".row_remap", indices: remap)
    tensors[table.index].rowRemap = map.index
    return map
  }

  /// Gives an embedding table an existing row map.
  public func setRowRemap(_ table: TensorRef, to map: TensorRef) {
    tensors[table.index].rowRemap = map.index
  }

  /// Makes `table` a mixed-precision table (format 2): `part` (same width, any table encoding)
  /// holds the stored rows whose `inPart` flag is set, `table` the others, each in row order.
  public func setSplit(_ table: TensorRef, part: TensorRef, inPart: [Bool]) {
    let words = (inPart.count + 63) / 64
    var bitmap = [UInt8](repeating: 0, count: words * 8)
    for (row, flag) in inPart.enumerated() where flag { bitmap[row / 8] |= UInt8(1) << UInt8(row % 8) }
    let bits = constant(tensors[table.index].name + ".row_split", type: .uint8, shape: [bitmap.count], bytes: bitmap)
    tensors[table.index].splitTable = part.index
    tensors[table.index].rowSplit = bits.index
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
    let fitsInt32 = vocabulary.allSatisfy { Int64(Int32.min)...Int64(Int32.max) ~= $0 }
    let table = narrowIndices && fitsInt32
      ? constant(name + ".vocabulary", int32s: vocabulary.map { Int32($0) })
      : constant(name + ".vocabulary", int64s: vocabulary)
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
    let offsetsTensor = constant(name + ".offsets", indices: offsets)
    let valuesTensor = constant(name + ".values", indices: values)
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

  /// The format version the file gets: `formatVersion` when set, else the oldest version with
  /// every feature the model uses (2 for mixed-precision tables and narrow index vectors).
  public var writtenFormatVersion: UInt32 {
    if let formatVersion { return formatVersion }
    let vocabularies = Set(features.map(\.vocabulary))
    let needsTwo = tensors.enumerated().contains { index, tensor in
      tensor.splitTable >= 0 || (tensor.buffer != 0 && tensor.shape.count == 1 && tensor.type == .uint8)
        || (vocabularies.contains(index) && tensor.type != .int64)
    }
    return needsTwo ? 2 : 1
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
