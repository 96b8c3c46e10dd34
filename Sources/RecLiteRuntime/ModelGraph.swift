// Everything the runtime knows about a verified model, read once at open.

/// The item catalog: the ITEM feature's rows, with titles and popularity.
public struct CatalogInfo: @unchecked Sendable {
  /// Index of the ITEM feature.
  public var feature: Int = -1
  public var titleCount: Int = 0
  /// Catalog rows, most popular first.
  public var popularity: UnsafePointer<Int32>? = nil
  public var popularityCount: Int = 0

  public init() {}
}

/// A verified model graph. Built by `ModelLoader`; immutable afterwards.
public struct ModelGraph: @unchecked Sendable {
  public var formatVersion: UInt32 = 0
  public var description: StringRef = .empty
  public var fileBytes: Int = 0
  public var bufferCount: Int = 0
  /// Bytes of all stored buffers.
  public var weightBytes: Int = 0
  public var metadataCount: Int = 0

  public var tensors: [TensorInfo] = []
  public var ops: [OpInfo] = []
  /// Inputs of all ops, concatenated (see `OpInfo.inputStart`).
  public var opInputs: [Int] = []
  public var features: [FeatureInfo] = []

  /// Index of the USER feature, or -1 when the model has none.
  public var userFeature: Int = -1
  /// Index of the ITEM feature.
  public var itemFeature: Int = -1
  /// What `score` returns: the "score" signature's output, or the value before its final
  /// sigmoid (see `scoreKind`). FLOAT32 [-1, 1].
  public var scoreOutput: Int = -1
  /// What `recommend` ranks and returns: the TOP_K op's input, or the value before its final
  /// sigmoid. -1 without a "recommend" signature.
  public var rankOutput: Int = -1
  /// `.logit` when the file's scores end in a sigmoid that the runtime leaves out.
  public var scoreKind: ScoreKind = .raw
  /// Index of the TOP_K op when the model has a "recommend" signature, else -1.
  public var topKOp: Int = -1
  public var catalog: CatalogInfo? = nil

  /// Op indices in execution order: once per request, then once per chunk of candidates.
  public var requestOps: [Int] = []
  public var candidateOps: [Int] = []

  /// Candidates per chunk (the plan's batch dimension).
  public var maxBatch: Int = 0
  /// Bytes the planned activations span.
  public var plannedBytes: Int = 0

  /// What the loader derived from the file and keeps beside it (widened index vectors, the
  /// rank tables of mixed-precision tables); shared by every copy of the graph. Made by
  /// `ModelLoader.load` (a reserved allocation, like every one made while opening a model).
  var derived: DerivedMemory? = nil

  public init() {}

  /// The tensor indices an op reads.
  @inline(__always)
  public func input(_ op: OpInfo, _ position: Int) -> Int {
    opInputs[op.inputStart + position]
  }

  /// Rows of the catalog (the ITEM feature's known rows).
  public var catalogSize: Int {
    guard let catalog else { return 0 }
    return features[catalog.feature].rowCount
  }

  /// Bytes the execution plan needs in the arena after the exclusion bitmap (set at open).
  public var scratchBytes: Int = 0

  /// Bytes of the arena a session needs (see `arenaBytes(plannedBytes:items:scratch:limit:)`);
  /// set, checked, at open.
  public var arenaBytes: Int = 0

  /// The arena for `plannedBytes` of activations, a catalog of `items` and `scratch` bytes of
  /// the execution plan: the activations, the recommend exclusion bitmap (a bit per item), the
  /// scratch, plus slack to align any caller buffer to 64. Nil when it would pass `limit`; the
  /// sums are checked, so sizes read from a file cannot overflow where `Int` has 32 bits.
  public static func arenaBytes(plannedBytes: Int, items: Int, scratch: Int = 0, limit: Int = MemoryPlanner.maxArenaBytes) -> Int? {
    let slack = MemoryPlanner.alignment - 1
    func aligned(_ bytes: Int) -> Int? {
      let (sum, overflow) = bytes.addingReportingOverflow(slack)
      return overflow || bytes < 0 ? nil : sum & ~slack
    }
    guard let activations = aligned(plannedBytes), items >= 0,
      let bitmap = aligned(items / 8 + (items % 8 == 0 ? 0 : 1)), let scratch = aligned(scratch)
    else { return nil }
    let (both, overflow) = activations.addingReportingOverflow(bitmap)
    let (all, scratchOverflow) = both.addingReportingOverflow(scratch)
    let (total, alsoOverflow) = all.addingReportingOverflow(slack)
    return overflow || scratchOverflow || alsoOverflow || total > limit ? nil : total
  }

  /// Offset of the exclusion bitmap in the aligned arena.
  public var exclusionBitmapOffset: Int { MemoryPlanner.alignUp(plannedBytes) }

  /// Offset of the execution plan's scratch in the aligned arena.
  public var scratchOffset: Int { exclusionBitmapOffset + MemoryPlanner.alignUp((catalogSize + 7) / 8) }
}
