// The real values of a model's stored tensors, decoded as the reference kernels decode them:
// what `reclite inspect --weights` exports so other runtimes (ONNX Runtime in bench/peers) can
// rebuild the same model.

import RecLiteRuntime

public enum TensorValues {
  /// Values of a stored tensor, row-major: floats for float, quantized and sparse tensors
  /// (logical rows of a remapped table, pruned rows zero; CSR weights made dense), nil for
  /// integer tensors and activations.
  public static func floats(_ t: Int, in graph: ModelGraph) -> [Float]? {
    let tensor = graph.tensors[t]
    guard tensor.isConstant, tensor.type != .int32, tensor.type != .int64 else { return nil }
    let rows = tensor.dims.0
    let width = tensor.width
    if tensor.quantization.kind == .rowWise || tensor.rowRemap >= 0 || tensor.splitTable >= 0 {
      guard let table = TableView(table: t, in: graph) else { return nil }
      let stored = rows + (tensor.splitTable >= 0 ? graph.tensors[tensor.splitTable].dims.0 : 0)
      let logicalRows = tensor.rowRemap >= 0 ? graph.tensors[tensor.rowRemap].dims.0 : stored
      return (0..<logicalRows).flatMap { r in (0..<width).map { table.value(row: r, column: $0) } }
    }
    let sparse = tensor.isSparse
    guard let weight = WeightView(
      tensor, rowOffsets: sparse ? graph.tensors[tensor.sparseRowOffsets] : nil,
      columns: sparse ? graph.tensors[tensor.sparseColumnIndices] : nil)
    else { return nil }
    var values = [Float](repeating: 0, count: rows * width)
    for r in 0..<rows {
      if let offsets = weight.rowOffsets, let columns = weight.columns {
        for k in Int(offsets[r])..<Int(offsets[r + 1]) { values[r * width + Int(columns[k])] = weight.value(at: k, row: r) }
      } else {
        for j in 0..<width { values[r * width + j] = weight.value(at: r * width + j, row: r) }
      }
    }
    return values
  }

  /// Values of a stored int32 or int64 tensor, widened to Int64; nil otherwise.
  public static func integers(_ t: Int, in graph: ModelGraph) -> [Int64]? {
    let tensor = graph.tensors[t]
    guard tensor.isConstant, let data = tensor.data else { return nil }
    let count = tensor.dims.0 * tensor.width
    switch tensor.type {
    case .int32: return (0..<count).map { Int64(data.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
    case .int64: return (0..<count).map { data.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }
    default: return nil
    }
  }
}
