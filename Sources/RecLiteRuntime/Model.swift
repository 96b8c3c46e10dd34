// An opened, verified model: owns (or borrows) the file bytes and the graph
// read from them. Immutable, so any number of threads may share it.

import CRecLiteFormat

public final class Model: @unchecked Sendable {  // immutable after open
  /// What keeps the bytes alive: the mapping of a file, the model's own copy, or nothing when
  /// the caller lends them.
  enum Storage {
    case mapped(MappedFile)
    case owned(AlignedMemory)
    case borrowed
  }

  public let graph: ModelGraph
  /// What open prepared to run requests fast (packed catalog, ...).
  let plan: ExecutionPlan
  public let bytes: UnsafePointer<UInt8>
  public let length: Int
  /// Released with the model (see OwnedMemory.swift for why Model has no deinit).
  let storage: Storage

  /// Verifies `length` bytes at `bytes` (kept alive by `storage`) and prepares the execution plan.
  /// A convenience init: everything that can fail runs before the object exists (see
  /// OwnedMemory.swift).
  private convenience init(bytes: UnsafePointer<UInt8>, length: Int, storage: Storage, verifyChecksum: Bool) throws(RecLiteError) {
    var graph = try ModelLoader.load(bytes: bytes, length: length, verifyChecksum: verifyChecksum)
    let plan = try ExecutionPlan(graph)
    graph.scratchBytes = plan.scratchBytes
    guard let arena = ModelGraph.arenaBytes(plannedBytes: graph.plannedBytes, items: graph.catalogSize, scratch: plan.scratchBytes)
    else {
      throw RecLiteError(
        .badModel, "the arena (\(graph.plannedBytes) bytes of activations, \(plan.scratchBytes) of scratch) exceeds the largest this library can address (\(MemoryPlanner.maxArenaBytes) bytes)")
    }
    graph.arenaBytes = arena
    try Fallible.reserve(
      bytes: Fallible.objectBytes(fields: MemoryLayout<ModelGraph>.size + 6 * MemoryLayout<Int>.size), for: "the model")
    self.init(graph: graph, plan: plan, bytes: bytes, length: length, storage: storage)
  }

  private init(graph: ModelGraph, plan: ExecutionPlan, bytes: UnsafePointer<UInt8>, length: Int, storage: Storage) {
    self.graph = graph
    self.plan = plan
    self.bytes = bytes
    self.length = length
    self.storage = storage
  }

  /// Maps and verifies a model file. Running out of memory is `.noMemory`, never a trap.
  public static func open(path: UnsafePointer<CChar>) throws(RecLiteError) -> Model {
    try Fallible.section { () throws(RecLiteError) -> Model in
      let file = try MappedFile.map(path)
      return try Model(bytes: file.bytes, length: file.length, storage: .mapped(file), verifyChecksum: true)
    }
  }

  /// Verifies a model in memory, borrowing the bytes or copying them. Running out of memory
  /// is `.noMemory`, never a trap.
  public static func open(
    buffer: UnsafeRawPointer, length: Int, copy: Bool, verifyChecksum: Bool
  ) throws(RecLiteError) -> Model {
    try Fallible.section { () throws(RecLiteError) -> Model in
      try open(inSection: buffer, length: length, copy: copy, verifyChecksum: verifyChecksum)
    }
  }

  private static func open(
    inSection buffer: UnsafeRawPointer, length: Int, copy: Bool, verifyChecksum: Bool
  ) throws(RecLiteError) -> Model {
    guard copy else {
      let misalignment = Int(bitPattern: buffer) % MemoryPlanner.alignment
      guard misalignment == 0 else {
        throw RecLiteError(
          .invalidArgument,
          "a borrowed model buffer must be 64-byte aligned (address % 64 = \(misalignment)); pass RECLITE_OPEN_COPY")
      }
      return try Model(
        bytes: buffer.assumingMemoryBound(to: UInt8.self), length: length, storage: .borrowed, verifyChecksum: verifyChecksum)
    }
    let memory = try AlignedMemory.allocate(length, for: "a copy of the model")
    memory.pointer.copyMemory(from: buffer, byteCount: length)
    return try Model(
      bytes: UnsafePointer(memory.pointer.assumingMemoryBound(to: UInt8.self)), length: length, storage: .owned(memory),
      verifyChecksum: verifyChecksum)
  }

  /// Bytes a session arena needs (see `ModelGraph.arenaBytes`).
  public var arenaBytes: Int { graph.arenaBytes }

  /// Title of catalog row `row`, or nil.
  public func title(ofRow row: Int) -> StringRef? {
    guard let catalog = graph.catalog, row >= 0 && row < catalog.titleCount else { return nil }
    let title = StringRef(rlf_catalog_title(bytes, UInt32(row)))
    return title.base == nil ? nil : title
  }

  /// Title of an item by raw id, or nil when unknown or untitled.
  public func title(ofItem id: Int64) -> StringRef? {
    guard let catalog = graph.catalog, let row = graph.features[catalog.feature].row(of: id) else { return nil }
    return title(ofRow: row)
  }

  /// Metadata entry `index` (key, value).
  public func metadata(at index: Int) -> (key: StringRef, value: StringRef) {
    var key = rlf_string()
    var value = rlf_string()
    if index >= 0 && index < graph.metadataCount { rlf_metadata_get(bytes, UInt32(index), &key, &value) }
    return (StringRef(key), StringRef(value))
  }

  /// Value of a metadata key, or nil.
  public func metadata(key: UnsafePointer<CChar>) -> StringRef? {
    for index in 0..<graph.metadataCount {
      let entry = metadata(at: index)
      if entry.key.equals(cString: key) { return entry.value }
    }
    return nil
  }

  /// Index of the feature named `name`, or nil.
  public func feature(named name: UnsafePointer<CChar>) -> Int? {
    for (index, feature) in graph.features.enumerated() where feature.name.equals(cString: name) {
      return index
    }
    return nil
  }
}

extension StringRef {
  /// The bytes of a NUL-terminated C string (not copied).
  public init(cString: UnsafePointer<CChar>?) {
    guard let cString else {
      self.init(base: nil, count: 0)
      return
    }
    var n = 0
    while cString[n] != 0 { n += 1 }
    self.init(base: UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self), count: n)
  }
}

/// The library's version, as include/reclite.h defines it (read through the format shim, so
/// the header stays its only source).
public enum Version {
  /// `RECLITE_VERSION_STRING`: static, NUL-terminated.
  public static var cString: UnsafePointer<CChar> { rlf_version_string() }
  /// MAJOR·10000 + MINOR·100 + PATCH.
  public static var number: UInt32 { rlf_version_number() }
}
