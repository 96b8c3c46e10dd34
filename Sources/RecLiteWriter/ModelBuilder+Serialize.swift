// Serializing a ModelBuilder: FlatBuffer, aligned data section, memory plan,
// checksum, and a final verification by the runtime itself.

import CRecLiteFormat
import Foundation
import RecLiteRuntime

extension ModelBuilder {
  /// The arena a student should fit in: a small board's L2 share, and what one session costs.
  public static let arenaTarget = 64 * 1024

  /// Candidate chunk sizes tried, largest first: larger chunks spread each layer's weight reads
  /// over more candidates; smaller ones shrink the arena.
  static let batchChoices = [256, 128, 64]

  /// The file's bytes, planned for chunks of `maxBatch` candidates — by default the largest of
  /// `batchChoices` whose arena fits `arenaTarget`, or the largest when none does (a model that
  /// big, like a teacher, is not for a small board, and keeps its speed).
  /// Throws when the runtime would reject the model (the message says why).
  public func serialize(maxBatch: Int? = nil) throws -> [UInt8] {
    if let maxBatch { return try serialize(batch: maxBatch) }
    var largest: [UInt8]? = nil
    for batch in Self.batchChoices {
      let file = try serialize(batch: batch)
      if try Self.sessionArena(file) <= Self.arenaTarget { return file }
      if largest == nil { largest = file }
    }
    return largest!
  }

  /// The arena a session of the file needs, as the runtime computes it at open.
  static func sessionArena(_ file: [UInt8]) throws -> Int {
    try file.withUnsafeBytes { raw in
      try Model.open(buffer: raw.baseAddress!, length: raw.count, copy: true, verifyChecksum: false).arenaBytes
    }
  }

  private func serialize(batch maxBatch: Int) throws -> [UInt8] {
    guard maxBatch >= 1 && maxBatch <= ModelLoader.maxBatchLimit else {
      throw ModelWriterError("max batch \(maxBatch) is outside 1…\(ModelLoader.maxBatchLimit)")
    }
    compactBuffers()
    let placeholderPlan = [Int64](repeating: -1, count: tensors.count)
    // Buffer offsets depend on the FlatBuffer's size, which does not depend on their values.
    let sizing = encode(bufferOffsets: [UInt64](repeating: 0, count: buffers.count), plan: placeholderPlan, arenaBytes: 0, maxBatch: maxBatch)
    let offsets = dataOffsets(afterFlatBufferOf: sizing.bytes.count)
    // The runtime's planner decides the arena layout; the file stores its answer.
    let unplanned = assemble(encode(bufferOffsets: offsets, plan: placeholderPlan, arenaBytes: 0, maxBatch: maxBatch), offsets)
    let graph = try load(unplanned.file, verifyChecksum: false, plan: .recompute)
    let plan = graph.tensors.map { Int64($0.arenaOffset) }
    let final = assemble(
      encode(bufferOffsets: offsets, plan: plan, arenaBytes: UInt64(graph.plannedBytes), maxBatch: maxBatch), offsets)
    guard final.file.count == unplanned.file.count else {
      throw ModelWriterError("internal: FlatBuffer size changed between passes")
    }
    let file = Self.sealed(final)
    _ = try load(file, verifyChecksum: true, plan: .verify)
    return file
  }

  /// The file without planning or verification, its plan left at -1 — for
  /// tests that build deliberately broken models. The checksum is valid, so
  /// the runtime's semantic checks are what rejects them.
  func serializeUnchecked(maxBatch: Int = 256) -> [UInt8] {
    let placeholderPlan = [Int64](repeating: -1, count: tensors.count)
    let sizing = encode(bufferOffsets: [UInt64](repeating: 0, count: buffers.count), plan: placeholderPlan, arenaBytes: 0, maxBatch: maxBatch)
    let offsets = dataOffsets(afterFlatBufferOf: sizing.bytes.count)
    return Self.sealed(assemble(encode(bufferOffsets: offsets, plan: placeholderPlan, arenaBytes: 0, maxBatch: maxBatch), offsets))
  }

  /// Drops the buffers no tensor refers to any more (a constant re-encoded in place leaves its
  /// old bytes behind) and renumbers the rest, so the file holds each stored byte once.
  func compactBuffers() {
    var used = [Bool](repeating: false, count: buffers.count)
    used[0] = true
    for tensor in tensors where tensor.buffer >= 0 && tensor.buffer < buffers.count { used[tensor.buffer] = true }
    guard used.contains(false) else { return }
    var renumbered = [Int](repeating: 0, count: buffers.count)
    var kept: [[UInt8]] = []
    for (index, buffer) in buffers.enumerated() where used[index] {
      renumbered[index] = kept.count
      kept.append(buffer)
    }
    for t in tensors.indices where tensors[t].buffer >= 0 && tensors[t].buffer < buffers.count {
      tensors[t].buffer = renumbered[tensors[t].buffer]
    }
    buffers = kept
    bufferIndex = [:]
    for (index, buffer) in buffers.enumerated() where index > 0 { bufferIndex[buffer] = index }
  }

  /// Stores the CRC-32 of the file, computed while the checksum's own bytes are still zero.
  private static func sealed(_ encoded: (file: [UInt8], checksumPosition: Int)) -> [UInt8] {
    var file = encoded.file
    let crc = file.withUnsafeBufferPointer { rlf_crc32(0, $0.baseAddress, $0.count) }
    for i in 0..<4 { file[encoded.checksumPosition + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    return file
  }

  /// Writes the model atomically: a temporary file in the same directory, then a rename.
  public func write(to url: URL, maxBatch: Int? = nil) throws {
    let bytes = try serialize(maxBatch: maxBatch)
    try AtomicFile.write(Data(bytes), to: url)
  }

  /// Absolute offsets of the buffers: 64-byte aligned, after the FlatBuffer.
  private func dataOffsets(afterFlatBufferOf size: Int) -> [UInt64] {
    var offsets: [UInt64] = [0]
    var cursor = MemoryPlanner.alignUp(size)
    for buffer in buffers.dropFirst() {
      offsets.append(UInt64(cursor))
      cursor = MemoryPlanner.alignUp(cursor + buffer.count)
    }
    return offsets
  }

  private func assemble(
    _ encoded: (bytes: [UInt8], checksumPosition: Int), _ offsets: [UInt64]
  ) -> (file: [UInt8], checksumPosition: Int) {
    var file = encoded.bytes
    for (index, buffer) in buffers.enumerated() where index > 0 {
      file.append(contentsOf: repeatElement(0, count: Int(offsets[index]) - file.count))
      file.append(contentsOf: buffer)
    }
    file.append(contentsOf: repeatElement(0, count: MemoryPlanner.alignUp(file.count) - file.count))
    return (file, encoded.checksumPosition)
  }

  /// The FlatBuffer (field slots generated from schema/reclite.fbs: Generated/FieldSlots.swift).
  private func encode(
    bufferOffsets: [UInt64], plan: [Int64], arenaBytes: UInt64, maxBatch: Int
  ) -> (bytes: [UInt8], checksumPosition: Int) {
    var fb = FlatBufferBuilder()
    let tensorTables = tensors.map { encode(tensor: $0, into: &fb) }
    let tensorVector = fb.createVector(offsets: tensorTables)

    let opTables = ops.map { op -> FlatOffset in
      let inputs = fb.createVector(op.inputs)
      let outputs = fb.createVector(op.outputs)
      fb.startTable()
      fb.add(FieldSlot.Op.code, op.code)
      fb.add(FieldSlot.Op.inputs, offset: inputs)
      fb.add(FieldSlot.Op.outputs, offset: outputs)
      fb.add(FieldSlot.Op.activation, op.activation.rawValue)
      fb.add(FieldSlot.Op.bagMode, op.bagMode.rawValue)
      return fb.endTable()
    }
    let opVector = fb.createVector(offsets: opTables)

    let featureTables = features.map { feature -> FlatOffset in
      let name = fb.createString(feature.name)
      fb.startTable()
      fb.add(FieldSlot.Feature.name, offset: name)
      fb.add(FieldSlot.Feature.kind, feature.kind.rawValue)
      fb.add(FieldSlot.Feature.vocabulary, Int32(feature.vocabulary))
      fb.add(FieldSlot.Feature.numRows, UInt32(feature.rowCount))
      fb.add(FieldSlot.Feature.oovRow, UInt32(feature.oovRow))
      fb.add(FieldSlot.Feature.input, Int32(feature.input))
      return fb.endTable()
    }
    let featureVector = fb.createVector(offsets: featureTables)

    let signatureTables = signatures.map { signature -> FlatOffset in
      let name = fb.createString(signature.name)
      let outputs = fb.createVector([Int32(signature.output)])
      fb.startTable()
      fb.add(FieldSlot.Signature.name, offset: name)
      fb.add(FieldSlot.Signature.outputs, offset: outputs)
      return fb.endTable()
    }
    let signatureVector = fb.createVector(offsets: signatureTables)

    var catalogTable: FlatOffset? = nil
    if let catalog {
      let titles = catalog.titles.map { titles in fb.createVector(offsets: titles.map { fb.createString($0) }) }
      let popularity = fb.createVector(catalog.popularity)
      fb.startTable()
      fb.add(FieldSlot.Catalog.feature, UInt32(catalog.feature))
      if let titles { fb.add(FieldSlot.Catalog.titles, offset: titles) }
      fb.add(FieldSlot.Catalog.popularity, offset: popularity)
      catalogTable = fb.endTable()
    }

    let planOffsets = fb.createVector(plan)
    fb.startTable()
    fb.add(FieldSlot.MemoryPlan.maxBatch, UInt32(maxBatch))
    fb.add(FieldSlot.MemoryPlan.offsets, offset: planOffsets)
    fb.add(FieldSlot.MemoryPlan.arenaBytes, arenaBytes)
    let planTable = fb.endTable()

    // KeyValue is keyed on `key`: the vector must be sorted for binary search.
    let metadataTables = metadata.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).map {
      key -> FlatOffset in
      let k = fb.createString(key)
      let v = fb.createString(metadata[key] ?? "")
      fb.startTable()
      fb.add(FieldSlot.KeyValue.key, offset: k)
      fb.add(FieldSlot.KeyValue.value, offset: v)
      return fb.endTable()
    }
    let metadataVector = fb.createVector(offsets: metadataTables)
    let descriptionString = fb.createString(description)
    let bufferVector = fb.createVector(pairs: buffers.indices.map { (bufferOffsets[$0], UInt64(buffers[$0].count)) })

    fb.startTable()
    fb.add(FieldSlot.Model.formatVersion, writtenFormatVersion)
    let checksumFromEnd = fb.add(FieldSlot.Model.checksum, UInt32(0))
    fb.add(FieldSlot.Model.description, offset: descriptionString)
    fb.add(FieldSlot.Model.buffers, offset: bufferVector)
    fb.add(FieldSlot.Model.tensors, offset: tensorVector)
    fb.add(FieldSlot.Model.ops, offset: opVector)
    fb.add(FieldSlot.Model.features, offset: featureVector)
    fb.add(FieldSlot.Model.signatures, offset: signatureVector)
    if let catalogTable { fb.add(FieldSlot.Model.catalog, offset: catalogTable) }
    fb.add(FieldSlot.Model.plan, offset: planTable)
    fb.add(FieldSlot.Model.metadata, offset: metadataVector)
    let root = fb.endTable()
    let bytes = fb.finish(root: root, identifier: FileFormat.identifier)
    return (bytes, bytes.count - checksumFromEnd)
  }

  private func encode(tensor: Tensor, into fb: inout FlatBufferBuilder) -> FlatOffset {
    let name = fb.createString(tensor.name)
    let shape = fb.createVector(tensor.shape)
    var quantization: FlatOffset? = nil
    switch tensor.quantization {
    case .none:
      break
    case .rowWise:
      fb.startTable()
      fb.add(FieldSlot.Quantization.kind, QuantizationKind.rowWise.rawValue)
      quantization = fb.endTable()
    case .perTensor(let scale, let zeroPoint):
      let scales = fb.createVector([scale])
      let zeroPoints = fb.createVector([zeroPoint])
      fb.startTable()
      fb.add(FieldSlot.Quantization.kind, QuantizationKind.perTensor.rawValue)
      fb.add(FieldSlot.Quantization.scale, offset: scales)
      fb.add(FieldSlot.Quantization.zeroPoint, offset: zeroPoints)
      quantization = fb.endTable()
    case .perChannel(let scaleValues, let zeroPointValues, let axis):
      let scales = fb.createVector(scaleValues)
      let zeroPoints = zeroPointValues.map { fb.createVector($0) }
      fb.startTable()
      fb.add(FieldSlot.Quantization.kind, QuantizationKind.perChannel.rawValue)
      fb.add(FieldSlot.Quantization.scale, offset: scales)
      if let zeroPoints { fb.add(FieldSlot.Quantization.zeroPoint, offset: zeroPoints) }
      fb.add(FieldSlot.Quantization.axis, Int32(axis))
      quantization = fb.endTable()
    }
    var sparsity: FlatOffset? = nil
    if let csr = tensor.sparsity {
      fb.startTable()
      fb.add(FieldSlot.Sparsity.rowOffsets, Int32(csr.rowOffsets))
      fb.add(FieldSlot.Sparsity.colIndices, Int32(csr.columns))
      sparsity = fb.endTable()
    }
    fb.startTable()
    fb.add(FieldSlot.Tensor.name, offset: name)
    fb.add(FieldSlot.Tensor.dtype, tensor.type.rawValue)
    fb.add(FieldSlot.Tensor.shape, offset: shape)
    fb.add(FieldSlot.Tensor.buffer, UInt32(tensor.buffer))
    if let quantization { fb.add(FieldSlot.Tensor.quantization, offset: quantization) }
    if let sparsity { fb.add(FieldSlot.Tensor.sparsity, offset: sparsity) }
    fb.add(FieldSlot.Tensor.rowRemap, Int32(tensor.rowRemap))
    if tensor.splitTable >= 0 {
      fb.add(FieldSlot.Tensor.splitTable, Int32(tensor.splitTable))
      fb.add(FieldSlot.Tensor.rowSplit, Int32(tensor.rowSplit))
    }
    return fb.endTable()
  }
}

/// Loads file bytes with the runtime's loader, turning its error into a writer error.
private func load(_ file: [UInt8], verifyChecksum: Bool, plan: PlanCheck) throws -> ModelGraph {
  try file.withUnsafeBufferPointer { raw in
    guard let base = raw.baseAddress else { throw ModelWriterError("internal: empty model file") }
    do throws(RecLiteError) {
      return try ModelLoader.load(bytes: base, length: raw.count, verifyChecksum: verifyChecksum, plan: plan)
    } catch {
      throw ModelWriterError("the runtime rejects this model: \(error.message)")
    }
  }
}
