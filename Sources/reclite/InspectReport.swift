// A plain description of an opened model, for `reclite inspect` (text and JSON).

import Foundation
import RecLiteRuntime
import RecLiteToolkit

struct InspectReport: Codable {
  struct Feature: Codable {
    let index: Int
    let name: String
    let kind: String
    let rows: Int
    let oovRow: Int
    let vocabulary: String
    /// Tensor indices: the vocabulary (-1 for the identity map) and the graph input that receives the row.
    let vocabularyTensor: Int
    let inputTensor: Int
  }

  struct Op: Codable {
    let index: Int
    let op: String
    let stage: String
    let inputs: [String]
    let output: String?
    let activation: String
    let bagMode: String?
    /// Tensor indices of the inputs (-1 for an absent optional input) and of the output.
    let inputTensors: [Int]
    let outputTensor: Int?
    /// Multiply-adds per row (per candidate for candidate ops).
    let multiplyAdds: Int
  }

  struct Tensor: Codable {
    let index: Int
    let name: String
    let dtype: String
    let shape: [Int]
    let bytes: Int
    let quantization: String
    let sparse: Bool
    let rowRemap: Int?
    /// Mixed-precision tables: the tensor holding the rows of the second encoding.
    var splitTable: Int? = nil
    /// "file" for stored constants, "arena@OFFSET" for activations.
    let location: String
    /// With --weights: the decoded values, little-endian and base64-encoded, as `valuesType`
    /// ("float32": dequantized, logical rows of remapped tables, CSR made dense; "int64": integer tensors widened).
    var values: String? = nil
    var valuesType: String? = nil
  }

  let path: String
  let fileBytes: Int
  let formatVersion: UInt32
  let description: String
  let signatures: [String: String]
  let catalogItems: Int
  let catalogTitles: Bool
  let popularityFallback: Int
  let features: [Feature]
  let ops: [Op]
  let tensors: [Tensor]
  let weightBytes: Int
  /// The file's bytes by what they hold: weights against catalog (ids, bags, titles, popularity).
  let bytes: FileBytes
  let arenaBytes: Int
  let plannedActivationBytes: Int
  let maxBatch: Int
  let metadata: [String: String]
  /// What score and recommend return: "logit" (the final sigmoid left out) or "raw".
  let scoreKind: String
  /// Tensor indices of what `score` returns and what `recommend` ranks (-1 without a catalog).
  let scoreTensor: Int
  let rankTensor: Int
  /// Index of the ITEM feature and of the USER feature (-1 without one).
  let itemFeature: Int
  let userFeature: Int
  /// Multiply-adds per candidate scored and once per request.
  let multiplyAddsPerCandidate: Int
  let multiplyAddsPerRequest: Int

  init(model: Model, path: String, weights: Bool = false) {
    let graph = model.graph
    func tensorName(_ t: Int) -> String {
      guard t >= 0 else { return "-" }
      let name = graph.tensors[t].name.description
      return name.isEmpty ? "#\(t)" : name
    }
    self.path = path
    fileBytes = graph.fileBytes
    formatVersion = graph.formatVersion
    description = graph.description.description
    var signatures = ["score": tensorName(graph.scoreOutput)]
    if graph.topKOp >= 0 {
      signatures["recommend"] = "top-k of \(tensorName(graph.input(graph.ops[graph.topKOp], 0))) over the catalog"
    }
    self.signatures = signatures
    catalogItems = graph.catalogSize
    catalogTitles = (graph.catalog?.titleCount ?? 0) > 0
    popularityFallback = graph.catalog?.popularityCount ?? 0
    features = graph.features.enumerated().map { index, f in
      Feature(
        index: index, name: f.name.description, kind: f.kind.name.description, rows: f.rowCount, oovRow: f.oovRow,
        vocabulary: f.vocabulary == nil
          ? "identity" : "sorted \(graph.tensors[f.vocabularyTensor].type.name) (\(tensorName(f.vocabularyTensor)))",
        vocabularyTensor: f.vocabularyTensor, inputTensor: f.input)
    }
    ops = graph.ops.enumerated().map { index, op in
      Op(
        index: index, op: op.code.name.description, stage: op.stage.name.description,
        inputs: (0..<op.inputCount).map { tensorName(graph.input(op, $0)) },
        output: op.output >= 0 ? tensorName(op.output) : nil, activation: op.activation.name.description,
        bagMode: op.code == .embeddingBag ? op.bagMode.name.description : nil,
        inputTensors: (0..<op.inputCount).map { graph.input(op, $0) }, outputTensor: op.output >= 0 ? op.output : nil,
        multiplyAdds: graph.multiplyAdds(ofOp: index))
    }
    tensors = graph.tensors.enumerated().map { index, t in
      let shape = t.rank == 2 ? [t.dims.0, t.dims.1] : [t.dims.0]
      // Index vectors the loader widened are shown as the file stores them.
      let stored = t.fileType.map { $0.byteCount(elements: t.dims.0) } ?? t.byteCount
      let bytes = t.isConstant ? stored : (t.stage == .candidate ? graph.maxBatch : 1) * t.width * 4
      var tensor = Tensor(
        index: index, name: t.name.description, dtype: (t.fileType ?? t.type).name.description, shape: shape, bytes: bytes,
        quantization: t.quantization.kind.name.description, sparse: t.isSparse,
        rowRemap: t.rowRemap >= 0 ? t.rowRemap : nil,
        location: t.isConstant ? "file" : "arena@\(t.arenaOffset)")
      if t.splitTable >= 0 { tensor.splitTable = t.splitTable }
      if weights, let floats = TensorValues.floats(index, in: graph) {
        tensor.values = floats.withUnsafeBytes { Data($0).base64EncodedString() }
        tensor.valuesType = "float32"
      } else if weights, let integers = TensorValues.integers(index, in: graph) {
        tensor.values = integers.withUnsafeBytes { Data($0).base64EncodedString() }
        tensor.valuesType = "int64"
      }
      return tensor
    }
    weightBytes = graph.weightBytes
    bytes = FileBytes(model)
    arenaBytes = model.arenaBytes
    plannedActivationBytes = graph.plannedBytes
    maxBatch = graph.maxBatch
    var metadata: [String: String] = [:]
    for i in 0..<graph.metadataCount {
      let entry = model.metadata(at: i)
      metadata[entry.key.description] = entry.value.description
    }
    self.metadata = metadata
    scoreKind = graph.scoreKind.name.description
    scoreTensor = graph.scoreOutput
    rankTensor = graph.rankOutput
    itemFeature = graph.itemFeature
    userFeature = graph.userFeature
    multiplyAddsPerCandidate = graph.multiplyAddsPerCandidate
    multiplyAddsPerRequest = graph.multiplyAddsPerRequest
  }

  /// The readable report.
  var text: String {
    var out = "\(path): RecLite model, format \(formatVersion), \(fileBytes.grouped) bytes (checksum and structure verified)\n"
    if !description.isEmpty { out += "description: \(description)\n" }
    out += "\nsignatures\n"
    for (name, value) in signatures.sorted(by: { $0.key < $1.key }) { out += "  \(name.padded(10)) \(value)\n" }
    out += "\ncatalog: \(catalogItems.grouped) items" + (catalogTitles ? " with titles" : "")
    out += popularityFallback > 0 ? ", popularity fallback over \(popularityFallback.grouped) items\n" : "\n"
    out += "\nfeatures\n"
    out += Table(["#", "name", "kind", "rows", "oov row", "vocabulary"], features.map {
      ["\($0.index)", $0.name, $0.kind, $0.rows.grouped, "\($0.oovRow)", $0.vocabulary]
    }).rendered
    out += "\nops (\(ops.count))\n"
    out += Table(["#", "op", "stage", "inputs", "output", "activation"], ops.map {
      ["\($0.index)", $0.op + ($0.bagMode.map { " (\($0))" } ?? ""), $0.stage, $0.inputs.joined(separator: ", "), $0.output ?? "-", $0.activation]
    }).rendered
    out += "\ntensors (\(tensors.count))\n"
    out += Table(["#", "name", "dtype", "shape", "bytes", "quantization", "where"], tensors.map {
      var quantization = $0.quantization
      if $0.sparse { quantization += ", CSR" }
      if let remap = $0.rowRemap { quantization += ", remap #\(remap)" }
      if let part = $0.splitTable { quantization += ", mixed with #\(part)" }
      return ["\($0.index)", $0.name, $0.dtype, "[" + $0.shape.map(String.init).joined(separator: ", ") + "]", $0.bytes.grouped, quantization, $0.location]
    }).rendered
    out += "\nscores: \(scoreKind) of \(scoreTensor >= 0 ? tensors[scoreTensor].name : "-")\n"
    out += "multiply-adds: \(multiplyAddsPerCandidate.grouped) per candidate, \(multiplyAddsPerRequest.grouped) per request\n"
    out += "stored buffers: \(weightBytes.grouped) bytes\n"
    out += "file: \(bytes.summary)\n"
    out += "arena: \(arenaBytes.grouped) bytes per session (activations \(plannedActivationBytes.grouped) bytes for chunks of \(maxBatch) candidates, plus exclusion bitmap and alignment)\n"
    if !metadata.isEmpty {
      out += "\nmetadata\n"
      for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { out += "  \(key) = \(value)\n" }
    }
    return out
  }
}

/// A left-aligned text table.
struct Table {
  let header: [String]
  let rows: [[String]]

  init(_ header: [String], _ rows: [[String]]) {
    self.header = header
    self.rows = rows
  }

  var rendered: String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
      "  " + row.enumerated().map { $0.element.padded(widths[$0.offset]) }.joined(separator: "  ").trimmingTrailingSpaces
    }.joined(separator: "\n") + "\n"
  }
}

extension String {
  func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
  var trimmingTrailingSpaces: String {
    var s = Substring(self)
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
