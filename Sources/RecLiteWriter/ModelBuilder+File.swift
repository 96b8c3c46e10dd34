// A builder that holds exactly what a verified .rlm file holds — tensors (same indices, same
// bytes), ops, features, signatures, catalog, metadata — so a file can be rewritten: tables
// re-encoded (`storeTable`), index vectors narrowed, titles dropped, and serialized again.

import CRecLiteFormat
import RecLiteRuntime

extension ModelBuilder {
  /// The contents of `file`, verified by the runtime first; `maxBatch` is the file's plan batch.
  public static func reading(_ file: [UInt8]) throws -> (builder: ModelBuilder, maxBatch: Int) {
    try file.withUnsafeBufferPointer { raw in
      guard let bytes = raw.baseAddress else { throw ModelWriterError("the model file is empty") }
      do throws(RecLiteError) {
        _ = try ModelLoader.load(bytes: bytes, length: raw.count)
      } catch {
        throw ModelWriterError("not a valid RecLite model: \(error.message)")
      }
      var info = rlf_model_info()
      rlf_model_info_get(bytes, &info)
      let m = ModelBuilder(description: text(info.description))
      m.readBuffersAndTensors(bytes, info)
      m.readGraph(bytes, info)
      var plan = rlf_plan()
      rlf_plan_get(bytes, &plan)
      return (m, Int(plan.max_batch))
    }
  }

  private func readBuffersAndTensors(_ bytes: UnsafePointer<UInt8>, _ info: rlf_model_info) {
    var fileBuffers: [Int] = [0]
    for index in 1..<Int(info.buffer_count) {
      var offset: UInt64 = 0
      var size: UInt64 = 0
      rlf_buffer_get(bytes, UInt32(index), &offset, &size)
      fileBuffers.append(buffer(holding: Array(UnsafeBufferPointer(start: bytes + Int(offset), count: Int(size)))))
    }
    for index in 0..<Int(info.tensor_count) {
      var raw = rlf_tensor()
      rlf_tensor_get(bytes, UInt32(index), &raw)
      var tensor = Tensor(
        name: text(raw.name), type: ElementType(rawValue: raw.dtype) ?? .float32,
        shape: Array(UnsafeBufferPointer(start: raw.shape, count: Int(raw.rank))), buffer: fileBuffers[Int(raw.buffer)])
      tensor.quantization = quantization(raw)
      if raw.has_sparsity != 0 { tensor.sparsity = (Int(raw.sparse_row_offsets), Int(raw.sparse_col_indices)) }
      tensor.rowRemap = Int(raw.row_remap)
      tensor.splitTable = Int(raw.split_table)
      tensor.rowSplit = Int(raw.row_split)
      tensors.append(tensor)
    }
  }

  private func quantization(_ raw: rlf_tensor) -> QuantizationSpec {
    let scales = Array(UnsafeBufferPointer(start: raw.scale, count: Int(raw.scale_count)))
    let zeroPoints = Array(UnsafeBufferPointer(start: raw.zero_point, count: Int(raw.zero_point_count)))
    switch QuantizationKind(rawValue: raw.quant_kind) ?? .none {
    case .none: return .none
    case .rowWise: return .rowWise
    case .perTensor: return .perTensor(scale: scales.first ?? 1, zeroPoint: zeroPoints.first ?? 0)
    case .perChannel: return .perChannel(scales: scales, zeroPoints: zeroPoints.isEmpty ? nil : zeroPoints, axis: Int(raw.quant_axis))
    }
  }

  private func readGraph(_ bytes: UnsafePointer<UInt8>, _ info: rlf_model_info) {
    for index in 0..<Int(info.op_count) {
      var raw = rlf_op()
      rlf_op_get(bytes, UInt32(index), &raw)
      ops.append(Op(
        code: raw.code, inputs: Array(UnsafeBufferPointer(start: raw.inputs, count: Int(raw.input_count))),
        outputs: Array(UnsafeBufferPointer(start: raw.outputs, count: Int(raw.output_count))),
        activation: Activation(rawValue: raw.activation) ?? .none, bagMode: BagMode(rawValue: raw.bag_mode) ?? .sum))
    }
    for index in 0..<Int(info.feature_count) {
      var raw = rlf_feature()
      rlf_feature_get(bytes, UInt32(index), &raw)
      features.append(Feature(
        name: text(raw.name), kind: FeatureKind(rawValue: raw.kind) ?? .user, vocabulary: Int(raw.vocabulary),
        rowCount: Int(raw.num_rows), oovRow: Int(raw.oov_row), input: Int(raw.input)))
    }
    for index in 0..<Int(info.signature_count) {
      var raw = rlf_signature()
      rlf_signature_get(bytes, UInt32(index), &raw)
      if raw.output_count == 1, let outputs = raw.outputs { signatures.append((text(raw.name), Int(outputs[0]))) }
    }
    if info.has_catalog != 0 {
      var raw = rlf_catalog()
      rlf_catalog_get(bytes, &raw)
      let titles = raw.title_count == 0 ? nil : (0..<raw.title_count).map { text(rlf_catalog_title(bytes, $0)) }
      catalog = (Int(raw.feature), titles, Array(UnsafeBufferPointer(start: raw.popularity, count: Int(raw.popularity_count))))
    }
    for index in 0..<Int(info.metadata_count) {
      var key = rlf_string()
      var value = rlf_string()
      rlf_metadata_get(bytes, UInt32(index), &key, &value)
      metadata[text(key)] = text(value)
    }
  }

  /// Stores every index vector in the narrowest type that holds it (see `narrowIndices`):
  /// INT64 vocabularies as INT32, INT32 bag offsets and values, CSR indices and row remaps as
  /// UINT8 where all values are in 0...255. Lossless.
  public func narrowIndexVectors() {
    narrowIndices = true
    for feature in features where feature.vocabulary >= 0 {
      let t = feature.vocabulary
      guard tensors[t].type == .int64 else { continue }
      let values = Decoding.integers(buffers[tensors[t].buffer], width: 8)
      guard values.allSatisfy({ Int64(Int32.min)...Int64(Int32.max) ~= $0 }) else { continue }
      restore(t, type: .int32, shape: [values.count], bytes: Encoding.bytes(values.map { Int32($0) }))
    }
    var indexVectors: [Int] = []
    for op in ops where op.code == OpCode.embeddingBag.rawValue && op.inputs.count == 4 {
      indexVectors += [Int(op.inputs[2]), Int(op.inputs[3])]
    }
    for tensor in tensors {
      if let csr = tensor.sparsity { indexVectors += [csr.rowOffsets, csr.columns] }
      if tensor.rowRemap >= 0 { indexVectors.append(tensor.rowRemap) }
    }
    for t in Set(indexVectors) where t >= 0 && t < tensors.count && tensors[t].type == .int32 {
      let values = Decoding.integers(buffers[tensors[t].buffer], width: 4)
      guard !values.isEmpty, values.allSatisfy({ (0...255).contains($0) }) else { continue }
      restore(t, type: .uint8, shape: [values.count], bytes: values.map { UInt8($0) })
    }
  }

  /// Whether the catalog carries display titles.
  public var hasTitles: Bool { catalog?.titles != nil }

  /// Leaves the catalog without display titles.
  public func dropTitles() {
    catalog?.titles = nil
  }
}

/// Little-endian integers of a buffer.
enum Decoding {
  static func integers(_ bytes: [UInt8], width: Int) -> [Int64] {
    stride(from: 0, to: bytes.count - width + 1, by: width).map { start in
      var value: UInt64 = 0
      for i in 0..<width { value |= UInt64(bytes[start + i]) << (8 * UInt64(i)) }
      return width == 8 ? Int64(bitPattern: value) : Int64(Int32(truncatingIfNeeded: value))
    }
  }
}

/// A file string as a Swift string ("" when absent).
private func text(_ string: rlf_string) -> String {
  guard let data = string.data else { return "" }
  return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(string.length)), as: UTF8.self)
}
