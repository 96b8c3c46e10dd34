// Tensor checks: types, shapes, buffer sizes, quantization, sparsity, row remaps.

import CRecLiteFormat

extension ModelLoader {
  mutating func readTensors() throws(RecLiteError) {
    var info = rlf_model_info()
    rlf_model_info_get(bytes, &info)
    let count = Int(info.tensor_count)
    try graph.tensors.fallibleReserveCapacity(count, for: "the tensor table")
    for index in 0..<count {
      var raw = rlf_tensor()
      rlf_tensor_get(bytes, UInt32(index), &raw)
      var tensor = TensorInfo()
      tensor.name = StringRef(raw.name)
      graph.tensors.append(tensor)  // so messages can name it
      tensor = try readTensor(index, raw)
      graph.tensors[index] = tensor
    }
  }

  private func readTensor(_ index: Int, _ raw: rlf_tensor) throws(RecLiteError) -> TensorInfo {
    var tensor = graph.tensors[index]
    guard let type = ElementType(rawValue: raw.dtype) else {
      throw RecLiteError(.unsupported, "\(tensorLabel(index)): unknown data type \(Int(raw.dtype))")
    }
    tensor.type = type
    guard raw.rank >= 1, let shape = raw.shape else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): has no shape")
    }
    guard raw.rank <= 2 else {
      throw RecLiteError(.unsupported, "\(tensorLabel(index)): rank \(raw.rank) (this runtime handles rank 1 and 2)")
    }
    tensor.rank = Int(raw.rank)
    let first = shape[0]
    let second = raw.rank == 2 ? shape[1] : 1
    // Compared as read: an index ≥ 2^31 does not fit Int where it has 32 bits.
    guard raw.buffer < UInt32(graph.bufferCount) else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): buffer \(raw.buffer) out of range (have \(graph.bufferCount))")
    }
    tensor.bufferIndex = Int(raw.buffer)
    if tensor.isConstant {
      // Each dimension is bounded too, not only the product: a table with no
      // rows and an enormous width has 0 elements but overflows its row size.
      let limit = ModelLoader.maxElements
      let (elements, overflow) = first.multipliedReportingOverflow(by: second)
      guard (0...limit).contains(first) && (0...limit).contains(second) && !overflow && elements <= limit else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): invalid shape [\(first), \(second)] for a constant")
      }
    } else {
      guard type == .float32 || type == .int32 else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): activations must be float32 or int32, not \(type.name)")
      }
      guard first == -1 || first == 1, second >= 1 && second <= ModelLoader.maxElements / Int64(ModelLoader.maxBatchLimit)
      else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): activation shape [\(first), \(second)] must be [-1 or 1, width ≥ 1]")
      }
      guard raw.quant_kind == QuantizationKind.none.rawValue && raw.has_sparsity == 0 && raw.row_remap < 0
        && raw.split_table < 0 && raw.row_split < 0
      else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): an activation cannot be quantized, sparse or remapped")
      }
    }
    tensor.dims = (Int(first), Int(second))
    if raw.rank == 1 { tensor.dims.1 = 0 }

    tensor.quantization = try readQuantization(index, raw, tensor)
    tensor.sparseRowOffsets = Int(raw.sparse_row_offsets)
    tensor.sparseColumnIndices = Int(raw.sparse_col_indices)
    tensor.rowRemap = Int(raw.row_remap)
    tensor.splitTable = Int(raw.split_table)
    tensor.rowSplit = Int(raw.row_split)
    if raw.has_sparsity != 0 && (tensor.sparseRowOffsets < 0 || tensor.sparseColumnIndices < 0) {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): sparsity needs row offsets and column indices")
    }

    guard tensor.isConstant else { return tensor }
    var bufferOffset: UInt64 = 0
    var bufferSize: UInt64 = 0
    rlf_buffer_get(bytes, raw.buffer, &bufferOffset, &bufferSize)
    tensor.data = UnsafeRawPointer(bytes + Int(bufferOffset))
    tensor.byteCount = Int(bufferSize)
    // Sparse tensors store only their nonzeros; their size is checked with the sparsity.
    if !tensor.isSparse {
      let expected = expectedBytes(tensor)
      guard expected == tensor.byteCount else {
        throw RecLiteError(
          .badModel, "\(tensorLabel(index)): buffer \(raw.buffer) holds \(tensor.byteCount) bytes, shape needs \(expected)")
      }
      try checkFinite(index, tensor)
    }
    return tensor
  }

  /// Bytes a dense constant of this shape, type and quantization occupies.
  func expectedBytes(_ tensor: TensorInfo) -> Int {
    let rows = tensor.dims.0
    let width = tensor.rank == 2 ? tensor.dims.1 : 1
    if tensor.quantization.kind == .rowWise {
      return rows * RowWiseLayout.rowBytes(type: tensor.type, width: width)
    }
    return tensor.type.byteCount(elements: rows * width)
  }

  private func readQuantization(_ index: Int, _ raw: rlf_tensor, _ tensor: TensorInfo) throws(RecLiteError)
    -> Quantization
  {
    var q = Quantization()
    guard let kind = QuantizationKind(rawValue: raw.quant_kind) else {
      throw RecLiteError(.unsupported, "\(tensorLabel(index)): unknown quantization kind \(Int(raw.quant_kind))")
    }
    q.kind = kind
    q.scales = raw.scale
    q.scaleCount = Int(raw.scale_count)
    q.zeroPoints = raw.zero_point
    q.zeroPointCount = Int(raw.zero_point_count)
    q.axis = Int(raw.quant_axis)
    let type = tensor.type
    switch kind {
    case .none:
      guard type != .uint4 else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): uint4 needs row-wise quantization")
      }
      return q
    case .rowWise:
      guard type == .uint8 || type == .uint4, tensor.rank == 2 else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): row-wise quantization needs a 2-D uint8 or uint4 table")
      }
      return q
    case .perTensor, .perChannel:
      guard type == .int8 || type == .uint8 else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): \(kind.name) quantization needs int8 or uint8, not \(type.name)")
      }
    }
    let channels: Int
    if kind == .perTensor {
      channels = 1
    } else {
      guard q.axis >= 0 && q.axis < tensor.rank else {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): quantization axis \(q.axis) out of range (rank \(tensor.rank))")
      }
      channels = q.axis == 0 ? tensor.dims.0 : tensor.dims.1
    }
    guard q.scaleCount == channels, let scales = q.scales else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): \(q.scaleCount) quantization scales, expected \(channels)")
    }
    guard q.zeroPointCount == 0 || q.zeroPointCount == channels else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): \(q.zeroPointCount) zero points, expected 0 or \(channels)")
    }
    for c in 0..<channels where !(scales[c].isFinite && scales[c] > 0) {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): quantization scale \(c) is not a finite positive number")
    }
    if let zeroPoints = q.zeroPoints {
      let low: Int32 = type == .int8 ? -128 : 0
      let high: Int32 = type == .int8 ? 127 : 255
      for c in 0..<q.zeroPointCount where zeroPoints[c] < low || zeroPoints[c] > high {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): zero point \(c) is \(zeroPoints[c]), outside \(type.name)")
      }
    }
    return q
  }

  /// Rejects NaN and infinity in stored floats and in row-wise scales and biases.
  func checkFinite(_ index: Int, _ tensor: TensorInfo) throws(RecLiteError) {
    guard let data = tensor.data else { return }
    let rows = tensor.dims.0
    let width = tensor.rank == 2 ? tensor.dims.1 : 1
    switch (tensor.type, tensor.quantization.kind) {
    case (.float32, .none):
      let count = tensor.byteCount / 4
      for i in 0..<count where !data.loadUnaligned(fromByteOffset: i * 4, as: Float.self).isFinite {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): value \(i) is not finite")
      }
    case (.float16, .none):
      let count = tensor.byteCount / 2
      for i in 0..<count where data.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self) & 0x7C00 == 0x7C00 {
        throw RecLiteError(.badModel, "\(tensorLabel(index)): value \(i) is not finite")
      }
    case (.uint8, .rowWise), (.uint4, .rowWise):
      let stride = RowWiseLayout.rowBytes(type: tensor.type, width: width)
      let codes = tensor.type.byteCount(elements: width)
      for row in 0..<rows {
        let parameters = row * stride + codes
        let (scale, bias) = RowWise.parameters(data, at: parameters, type: tensor.type)
        guard scale.isFinite && bias.isFinite else {
          throw RecLiteError(.badModel, "\(tensorLabel(index)): row \(row) has a non-finite scale or bias")
        }
      }
    default:
      return
    }
  }

  /// Checks the references between tensors: sparsity and row remaps.
  mutating func checkTensorReferences() throws(RecLiteError) {
    for index in 0..<graph.tensors.count {
      let tensor = graph.tensors[index]
      if tensor.isSparse { try checkSparsity(index, tensor) }
      if tensor.splitTable >= 0 || tensor.rowSplit >= 0 { try checkSplitTable(index) }
      if tensor.rowRemap >= 0 { try checkRowRemap(index, tensor) }
    }
  }

  /// A constant INT32 vector: its values (checked in range of the file).
  func int32Vector(_ reference: Int, of owner: Int, _ what: StaticString) throws(RecLiteError)
    -> UnsafeBufferPointer<Int32>
  {
    guard reference >= 0 && reference < graph.tensors.count else {
      throw RecLiteError(.badModel, "\(tensorLabel(owner)): \(what) tensor \(reference) out of range (have \(graph.tensors.count))")
    }
    let t = graph.tensors[reference]
    guard t.isConstant, t.type == .int32, t.rank == 1, let data = t.data else {
      throw RecLiteError(.badModel, "\(tensorLabel(owner)): \(what) (\(tensorLabel(reference))) must be a constant int32 vector")
    }
    return UnsafeBufferPointer(start: data.assumingMemoryBound(to: Int32.self), count: t.dims.0)
  }

  private func checkSparsity(_ index: Int, _ tensor: TensorInfo) throws(RecLiteError) {
    guard tensor.isConstant, tensor.rank == 2, tensor.type == .float32 || tensor.type == .int8,
      tensor.quantization.kind != .rowWise
    else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): only 2-D float32 or int8 constants can be sparse")
    }
    let offsets = try int32Vector(tensor.sparseRowOffsets, of: index, "row offsets")
    let columns = try int32Vector(tensor.sparseColumnIndices, of: index, "column indices")
    guard offsets.count == tensor.dims.0 + 1 else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): \(offsets.count) row offsets for \(tensor.dims.0) rows")
    }
    let width = tensor.dims.1
    try checkCompressedRows(
      tensorLabel(index), offsets, "row offsets", values: columns, below: width,
      outOfRange: { i, column in "nonzero \(i) has column \(column), width is \(width)" })
    let nonzeros = columns.count
    let expected = tensor.type.byteCount(elements: nonzeros)
    guard expected == tensor.byteCount else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): holds \(tensor.byteCount) bytes for \(nonzeros) nonzeros, needs \(expected)")
    }
    try checkFinite(index, tensor)
  }

  /// Compressed rows (CSR): `offsets` runs from 0 to `values.count` without decreasing, so row
  /// r owns `values[offsets[r] ..< offsets[r + 1]]`, and every value lies in `0 ..< limit`.
  /// Sparse weights (row offsets, column indices) and embedding bags (bag offsets, table rows)
  /// share it; `outOfRange` words the message for a bad value.
  func checkCompressedRows(
    _ owner: Message, _ offsets: UnsafeBufferPointer<Int32>, _ offsetsName: StaticString,
    values: UnsafeBufferPointer<Int32>, below limit: Int, outOfRange: (Int, Int32) -> Message
  ) throws(RecLiteError) {
    guard let first = offsets.first, let last = offsets.last, first == 0 && Int(last) == values.count else {
      throw RecLiteError(.badModel, "\(owner): \(offsetsName) must run from 0 to \(values.count)")
    }
    for r in 0..<(offsets.count - 1) where offsets[r] > offsets[r + 1] {
      throw RecLiteError(.badModel, "\(owner): \(offsetsName) decrease at row \(r)")
    }
    for (i, value) in values.enumerated() where value < 0 || Int(value) >= limit {
      throw RecLiteError(.badModel, "\(owner): \(outOfRange(i, value))")
    }
  }

  private func checkRowRemap(_ index: Int, _ tensor: TensorInfo) throws(RecLiteError) {
    guard tensor.isConstant, tensor.rank == 2 else {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): only 2-D constant tables can have a row remap")
    }
    let remap = try int32Vector(tensor.rowRemap, of: index, "row remap")
    let rows = storedRows(index)
    for (row, stored) in remap.enumerated() where stored < -1 || Int(stored) >= rows {
      throw RecLiteError(.badModel, "\(tensorLabel(index)): row \(row) maps to stored row \(stored) (have \(rows))")
    }
  }

  /// Rows an embedding table can be indexed with: its remap's length, or its stored rows.
  func logicalRows(_ table: Int) -> Int {
    let tensor = graph.tensors[table]
    return tensor.rowRemap >= 0 ? graph.tensors[tensor.rowRemap].dims.0 : storedRows(table)
  }

  /// Rows a (checked) table stores: its own, plus its split part's in a mixed-precision table.
  func storedRows(_ table: Int) -> Int {
    let tensor = graph.tensors[table]
    return tensor.dims.0 + (tensor.splitTable >= 0 ? graph.tensors[tensor.splitTable].dims.0 : 0)
  }
}
