// Rare-item row sharing: items seen fewer than N times in training are scored as the unknown
// item — they use its (OOV) row of every item table and its features — so the exporter stores
// one row for all of them, reached through a row remap. Training sees the same sharing (a
// wrapper maps item rows before the model), so the file scores what was trained.

/// Which item rows share the OOV item's row.
public struct ItemRowSharing: Sendable, Codable, Equatable {
  /// Items with fewer training interactions than this share the OOV row.
  public let minCount: Int
  /// Per item row (the catalog, then the OOV row): the row whose parameters it uses.
  public let rowOf: [Int32]

  /// Sharing for items with `trainCounts[row]` training interactions each (the OOV row is
  /// `trainCounts.count`).
  public init(trainCounts: [Int], minCount: Int) {
    self.minCount = minCount
    let oov = Int32(trainCounts.count)
    rowOf = trainCounts.indices.map { $0 < trainCounts.count && trainCounts[$0] < minCount ? oov : Int32($0) } + [oov]
  }

  /// Items that use the OOV row instead of their own.
  public var sharedCount: Int { rowOf.indices.filter { Int(rowOf[$0]) != $0 }.count }

  /// Rows stored for real, ascending (the kept items, then the OOV row).
  public var storedRows: [Int] { rowOf.indices.filter { Int(rowOf[$0]) == $0 } }

  /// Per item row: its position among `storedRows` (the row remap the exporter writes).
  public var remap: [Int32] {
    var position = [Int32](repeating: -1, count: rowOf.count)
    for (index, row) in storedRows.enumerated() { position[row] = Int32(index) }
    return rowOf.map { position[Int($0)] }
  }
}

extension ItemFeatures {
  /// The features with every item row replaced by the row it shares (`rowOf`): a shared item
  /// gets the OOV item's empty genre bag and unknown year.
  public func sharing(_ rowOf: [Int32]) -> ItemFeatures {
    var offsets: [Int32] = [0]
    var genres: [Int32] = []
    for row in rowOf.indices {
      genres += self.genres(ofItem: Int(rowOf[row]))
      offsets.append(Int32(genres.count))
    }
    return ItemFeatures(
      genreOffsets: offsets, genreRows: genres, yearBucket: rowOf.map { yearBucket[Int($0)] }, genreCount: genreCount,
      yearBucketCount: yearBucketCount)
  }
}

/// A model whose item rows can be tied to other rows: `sharingItemRows(rowOf)` is the same
/// model with item row r's parameters and features replaced by row rowOf[r]'s.
public protocol ItemRowsSharable: TrainableModel {
  func sharingItemRows(_ rowOf: [Int32]) -> Self
}

/// Copies row `rowOf[r]` of a `[rows][width]` table over row r.
func sharingRows(_ table: [Float], width: Int, _ rowOf: [Int32]) -> [Float] {
  var out = table
  for r in rowOf.indices where Int(rowOf[r]) != r {
    let source = Int(rowOf[r]) * width
    for j in 0..<width { out[r * width + j] = table[source + j] }
  }
  return out
}

extension TwoTower: ItemRowsSharable {
  public func sharingItemRows(_ rowOf: [Int32]) -> TwoTower {
    var copy = self
    copy.features = features.sharing(rowOf)
    copy.itemEmbedding = sharingRows(itemEmbedding, width: config.embeddingDim, rowOf)
    copy.itemBias = sharingRows(itemBias, width: 1, rowOf)
    return copy
  }
}

extension DeepFM: ItemRowsSharable {
  public func sharingItemRows(_ rowOf: [Int32]) -> DeepFM {
    var copy = self
    copy.features = features.sharing(rowOf)
    copy.itemEmbedding = sharingRows(itemEmbedding, width: dim, rowOf)
    copy.itemLinear = sharingRows(itemLinear, width: 1, rowOf)
    if let fused = fusedFactors {
      copy.fusedFactors = FusedFactors(
        factors: fused.factors, userFactors: fused.userFactors,
        itemFactors: sharingRows(fused.itemFactors, width: fused.factors, rowOf), share: fused.share, scale: fused.scale)
    }
    return copy
  }
}

/// A model trained with item rows shared (`ItemRowSharing`): every item row is mapped before
/// the wrapped model sees it, so shared items train the OOV row and are scored with it.
public struct SharedItemRows<Inner: ItemRowsSharable>: TrainableModel {
  public var inner: Inner
  public let sharing: ItemRowSharing

  public init(_ inner: Inner, sharing: ItemRowSharing) {
    self.inner = inner
    self.sharing = sharing
  }

  /// The trained model with the sharing written into it: what the exporter stores (each
  /// distinct row once) and what the in-memory scorer ranks.
  public var shared: Inner { inner.sharingItemRows(sharing.rowOf) }

  public var parameterSlots: [ParameterSlot<SharedItemRows<Inner>>] {
    let inner: WritableKeyPath<SharedItemRows<Inner>, Inner> = \.inner
    return self.inner.parameterSlots.map { slot in
      ParameterSlot(
        name: slot.name, shape: slot.shape, path: inner.appending(path: slot.path),
        sparseRowWidth: slot.sparseRowWidth, decays: slot.decays)
    }
  }

  public func makeWorkspace() -> Inner.Workspace { inner.makeWorkspace() }

  private func mapped(_ items: [Int32], _ count: Int) -> [Int32] {
    var rows = items
    for b in 0..<count { rows[b] = sharing.rowOf[Int(items[b])] }
    return rows
  }

  public func forward(users: [Int32], items: [Int32], count: Int, workspace: inout Inner.Workspace, logits: inout [Float]) {
    inner.forward(users: users, items: mapped(items, count), count: count, workspace: &workspace, logits: &logits)
  }

  public func backward(
    dLogits: [Float], users: [Int32], items: [Int32], count: Int, workspace: inout Inner.Workspace,
    gradients: inout SharedItemRows<Inner>, touched: inout [TouchedRows]
  ) {
    inner.backward(
      dLogits: dLogits, users: users, items: mapped(items, count), count: count, workspace: &workspace,
      gradients: &gradients.inner, touched: &touched)
  }

  public func makeScorer() -> any Scorer { shared.makeScorer() }

  public var parameterCount: Int { inner.parameterCount }
}
