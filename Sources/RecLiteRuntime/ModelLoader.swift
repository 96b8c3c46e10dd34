// Turns bytes into a verified `ModelGraph`, trusting nothing in them.
//
// Order of checks: FlatBuffers structure and checksum (C++ shim), then the
// semantic checks here — buffers, tensors, features, ops (types, shapes,
// stages), signatures, catalog, memory plan. The first problem ends the load
// with RECLITE_E_BAD_MODEL (RECLITE_E_UNSUPPORTED for a newer format version,
// op, data type or kind) and a message that names it.

import CRecLiteFormat

/// What to do with the memory plan stored in the file.
public enum PlanCheck: Sendable {
  /// Recompute the plan and reject the file when the stored one differs.
  case verify
  /// Recompute the plan and keep it, ignoring the stored one (the writer uses
  /// this to compute the plan it then stores).
  case recompute
}

public struct ModelLoader {
  let bytes: UnsafePointer<UInt8>
  let length: Int
  var graph = ModelGraph()

  /// Verifies `length` bytes at `bytes` and reads them into a graph.
  /// The graph points into the bytes, which must outlive it.
  public static func load(
    bytes: UnsafePointer<UInt8>, length: Int, verifyChecksum: Bool = true, plan: PlanCheck = .verify
  ) throws(RecLiteError) -> ModelGraph {
    var loader = ModelLoader(bytes: bytes, length: length)
    try Fallible.reserveObject(for: "the model's derived values")
    loader.graph.derived = DerivedMemory()
    try loader.verifyStructure(checksum: verifyChecksum)
    try loader.readHeader()
    try loader.readTensors()
    try loader.widenIndexVectors()
    try loader.checkTensorReferences()
    try loader.readFeatures()
    try loader.readOps()
    try loader.readSignatures()
    try loader.readCatalog()
    try loader.readPlan(plan)
    loader.leaveOutFinalSigmoid()
    return loader.graph
  }

  mutating func verifyStructure(checksum: Bool) throws(RecLiteError) {
    var stored: UInt32 = 0
    var computed: UInt32 = 0
    switch rlf_verify(bytes, length, checksum ? 0 : 1, &stored, &computed) {
    case RLF_VERIFY_OK:
      return
    case RLF_VERIFY_TOO_SHORT:
      throw RecLiteError(.badModel, "file is \(length) bytes, too short to be a RecLite model")
    case RLF_VERIFY_BAD_IDENTIFIER:
      throw RecLiteError(.badModel, "not a RecLite model: file identifier is not \"\(FileFormat.identifier)\"")
    case RLF_VERIFY_NO_CHECKSUM:
      throw RecLiteError(.badModel, "model has no checksum")
    case RLF_VERIFY_BAD_CHECKSUM:
      throw RecLiteError(
        .badModel, "checksum mismatch: file says \(stored), contents give \(computed) (corrupted or truncated)")
    default:
      throw RecLiteError(.badModel, "FlatBuffers verification failed: the file is truncated or corrupt")
    }
  }

  mutating func readHeader() throws(RecLiteError) {
    var info = rlf_model_info()
    rlf_model_info_get(bytes, &info)
    let supported = UInt32(ModelLoader.formatVersion)
    if info.format_version == 0 {
      throw RecLiteError(.badModel, "format version is 0")
    }
    if info.format_version > supported {
      throw RecLiteError(
        .unsupported,
        "format version \(info.format_version) is newer than this library reads (\(supported))")
    }
    graph.formatVersion = info.format_version
    graph.description = StringRef(info.description)
    graph.fileBytes = length
    graph.bufferCount = Int(info.buffer_count)
    graph.metadataCount = Int(info.metadata_count)
    guard info.has_plan != 0 else { throw RecLiteError(.badModel, "model has no memory plan") }
    guard info.buffer_count >= 1 else { throw RecLiteError(.badModel, "model has no buffers (buffer 0 must be empty)") }
    var offset: UInt64 = 0
    var size: UInt64 = 0
    rlf_buffer_get(bytes, 0, &offset, &size)
    guard offset == 0 && size == 0 else { throw RecLiteError(.badModel, "buffer 0 must be empty") }
    var total = 0
    for index in 1..<Int(info.buffer_count) {
      rlf_buffer_get(bytes, UInt32(index), &offset, &size)
      guard offset % UInt64(MemoryPlanner.alignment) == 0 else {
        throw RecLiteError(.badModel, "buffer \(index): offset \(offset) is not a multiple of 64")
      }
      guard size <= UInt64(length) && offset <= UInt64(length) - size else {
        throw RecLiteError(
          .badModel, "buffer \(index): bytes \(offset)+\(size) run past the end of the file (\(length) bytes)")
      }
      // Buffers may overlap, so their sum is not bounded by the file size.
      let (sum, overflow) = total.addingReportingOverflow(Int(size))
      guard !overflow else { throw RecLiteError(.badModel, "buffer sizes add up past \(Int.max) bytes") }
      total = sum
    }
    graph.weightBytes = total
    guard info.tensor_count > 0 && info.tensor_count <= ModelLoader.maxTensors else {
      throw RecLiteError(.badModel, "model has \(info.tensor_count) tensors (1 to \(ModelLoader.maxTensors) allowed)")
    }
    guard info.op_count > 0 && info.op_count <= ModelLoader.maxOps else {
      throw RecLiteError(.badModel, "model has \(info.op_count) ops (1 to \(ModelLoader.maxOps) allowed)")
    }
  }

  /// Newest format version this runtime reads (RECLITE_FORMAT_VERSION).
  public static let formatVersion = HeaderConstants.formatVersion
  static let maxTensors: UInt32 = 65_536
  static let maxOps: UInt32 = 65_536
  /// Largest batch a plan may use; bounds arena sizes.
  public static let maxBatchLimit = 65_536
  /// Largest element count of one tensor (keeps every byte count far from
  /// overflow): 2^40 on 64-bit targets, 2^27 where `Int` has 32 bits.
  static var maxElements: Int64 { min(Int64(1) << 40, Int64(Int.max >> 4)) }

  /// "tensor 7 (user_table)" for messages.
  func tensorLabel(_ index: Int) -> Message {
    let name = index >= 0 && index < graph.tensors.count ? graph.tensors[index].name : .empty
    return name.isEmpty ? "tensor \(index)" : "tensor \(index) (\(name))"
  }

  func opLabel(_ index: Int) -> Message {
    "op \(index) (\(graph.ops[index].code.name))"
  }
}

extension StringRef {
  init(_ string: rlf_string) {
    self.init(
      base: UnsafeRawPointer(string.data)?.assumingMemoryBound(to: UInt8.self), count: Int(string.length))
  }
}
