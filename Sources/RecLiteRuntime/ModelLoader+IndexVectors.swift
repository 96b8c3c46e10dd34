// Format 2's narrow index vectors: vocabularies stored as INT32 (or UINT8) and bag offsets,
// bag values, row remaps and sparse indices stored as UINT8 when their values fit. The loader
// widens them once at open into memory it owns (`DerivedMemory`), so every check and kernel
// downstream reads the INT32 (vocabularies: INT64) values format 1 stores: the file is smaller,
// the inference path unchanged.

/// Memory the loader allocates for values it derives from a file, freed with the last copy of
/// the graph that refers to it. Written only while the model is loaded, read-only afterwards.
final class DerivedMemory {
  /// The blocks, newest first (a chain of small objects: no array to grow while loading).
  private var newest: DerivedBlock? = nil

  /// `count` zeroed values of `T`, 64-byte aligned; `owner` names them in the error.
  func allocate<T>(_ count: Int, of _: T.Type, for owner: Message) throws(RecLiteError) -> UnsafeMutablePointer<T> {
    let bytes = max(count, 1) * MemoryLayout<T>.stride
    let memory: AlignedMemory
    do {
      memory = try AlignedMemory.allocate(bytes, for: "derived values")
      try Fallible.reserveObject(for: "derived values")
    } catch {
      throw RecLiteError(.noMemory, "out of memory: cannot allocate \(bytes) bytes for \(owner)")
    }
    newest = DerivedBlock(memory, next: newest)
    return memory.pointer.bindMemory(to: T.self, capacity: max(count, 1))
  }
}

/// One block of `DerivedMemory` and the one made before it.
final class DerivedBlock {
  let memory: AlignedMemory
  let next: DerivedBlock?

  init(_ memory: AlignedMemory, next: DerivedBlock?) {
    self.memory = memory
    self.next = next
  }
}

extension ModelLoader {
  /// Widens every UINT8 index vector (a 1-D, unquantized UINT8 constant that is not a mixed
  /// table's row bitmap) to INT32. Runs before any reference is checked, so the checks see the
  /// values the kernels will read; `TensorInfo.fileType` keeps the stored type.
  mutating func widenIndexVectors() throws(RecLiteError) {
    var isBitmap = try [Bool](fallibleRepeating: false, count: graph.tensors.count, for: "the index vectors")
    for tensor in graph.tensors where tensor.rowSplit >= 0 && tensor.rowSplit < graph.tensors.count {
      isBitmap[tensor.rowSplit] = true
    }
    for index in 0..<graph.tensors.count {
      let tensor = graph.tensors[index]
      guard tensor.isConstant, tensor.rank == 1, tensor.type == .uint8, tensor.quantization.kind == .none,
        !isBitmap[index], let data = tensor.data
      else { continue }
      let count = tensor.dims.0
      let wide = try derivedMemory().allocate(count, of: Int32.self, for: tensorLabel(index))
      for i in 0..<count { wide[i] = Int32(data.load(fromByteOffset: i, as: UInt8.self)) }
      graph.tensors[index].data = UnsafeRawPointer(wide)
      graph.tensors[index].type = .int32
      graph.tensors[index].byteCount = count * 4
      graph.tensors[index].fileType = .uint8
    }
  }

  /// The graph's derived memory (made at the start of `load`).
  func derivedMemory() throws(RecLiteError) -> DerivedMemory {
    guard let derived = graph.derived else { throw RecLiteError(.internalError, "the loader has no memory for derived values") }
    return derived
  }

  /// A feature's vocabulary as INT64 values: the file's own INT64 values, or a widened copy of
  /// INT32 ones (UINT8 vocabularies arrive here widened to INT32).
  func int64Vocabulary(_ tensor: TensorInfo, label: Message) throws(RecLiteError) -> UnsafePointer<Int64>? {
    guard let data = tensor.data else { return nil }
    switch tensor.type {
    case .int64:
      return data.assumingMemoryBound(to: Int64.self)
    case .int32:
      let count = tensor.dims.0
      let wide = try derivedMemory().allocate(count, of: Int64.self, for: label)
      for i in 0..<count { wide[i] = Int64(data.load(fromByteOffset: i * 4, as: Int32.self)) }
      return UnsafePointer(wide)
    default:
      return nil
    }
  }
}
