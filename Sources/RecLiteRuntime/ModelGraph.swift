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

/// What the numbers `score` and `recommend` return mean. Mirrors `reclite_score_kind`.
public enum ScoreKind: UInt32, Sendable {
  /// Higher ranks first; no probability meaning.
  case raw = 0
  /// The model's probability is σ(score). The runtime returns the logit, not σ(logit): in
  /// float32 σ rounds to exactly 1 above ≈ 16.6, which would tie the best items.
  case logit = 1

  public var name: StaticString { self == .raw ? "raw" : "logit" }
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

  /// Bytes of the arena a session needs (see `arenaBytes(plannedBytes:items:limit:)`); set,
  /// checked, at open.
  public var arenaBytes: Int = 0

  /// The arena for `plannedBytes` of activations and a catalog of `items`: the activations,
  /// then the recommend exclusion bitmap (a bit per item), plus slack to align any caller
  /// buffer to 64. Nil when it would pass `limit`; the sums are checked, so sizes read from a
  /// file cannot overflow where `Int` has 32 bits.
  public static func arenaBytes(plannedBytes: Int, items: Int, limit: Int = MemoryPlanner.maxArenaBytes) -> Int? {
    let slack = MemoryPlanner.alignment - 1
    func aligned(_ bytes: Int) -> Int? {
      let (sum, overflow) = bytes.addingReportingOverflow(slack)
      return overflow || bytes < 0 ? nil : sum & ~slack
    }
    guard let activations = aligned(plannedBytes), items >= 0,
      let bitmap = aligned(items / 8 + (items % 8 == 0 ? 0 : 1))
    else { return nil }
    let (both, overflow) = activations.addingReportingOverflow(bitmap)
    let (total, alsoOverflow) = both.addingReportingOverflow(slack)
    return overflow || alsoOverflow || total > limit ? nil : total
  }

  /// Offset of the exclusion bitmap in the aligned arena.
  public var exclusionBitmapOffset: Int { MemoryPlanner.alignUp(plannedBytes) }
}
