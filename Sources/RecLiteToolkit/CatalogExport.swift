// The parts every exported recommender shares: user and item features (raw
// id vocabularies), the catalog (titles, popularity order) and provenance.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

/// What every export needs from the data besides the model.
public struct ExportContext: Sendable {
  public let dataset: Dataset
  /// Item rows, most popular first (by training interactions): the cold-start fallback.
  public let popularity: [Int32]
  /// Provenance written into the file's metadata.
  public var metadata: [String: String]
  /// Items that share the OOV row (trained with `--min-count`), or nil.
  public var sharedItems: ItemRowSharing?

  public init(dataset: Dataset, trainItemCounts: [Int], metadata: [String: String], sharedItems: ItemRowSharing? = nil) {
    self.dataset = dataset
    popularity = trainItemCounts.indices.sorted { a, b in
      trainItemCounts[a] != trainItemCounts[b] ? trainItemCounts[a] > trainItemCounts[b] : a < b
    }.map(Int32.init)
    self.metadata = metadata
    self.sharedItems = sharedItems
  }

  /// Per item row (`rows`: the catalog plus the OOV row): whether it is among the most popular
  /// `share` of the catalog (ties by row, as `popularity` orders them). The OOV row counts as
  /// popular: unknown items and every shared row read it.
  public func frequentItemRows(share: Double, rows: Int) -> [Bool] {
    var frequent = [Bool](repeating: false, count: rows)
    let kept = Int((share * Double(popularity.count)).rounded())
    for row in popularity.prefix(kept) where Int(row) < rows { frequent[Int(row)] = true }
    if rows > popularity.count { frequent[popularity.count] = true }
    return frequent
  }
}

extension ModelBuilder {
  /// User and item features over the data set's sorted raw ids (row = position; OOV row = count).
  func idFeatures(_ dataset: Dataset) -> (user: FeatureRef, item: FeatureRef) {
    (feature("user", kind: .user, vocabulary: dataset.userIds), feature("item", kind: .item, vocabulary: dataset.itemIds))
  }

  /// Declares the scores, the catalog (titles unless `titles` is `.none`) and the provenance.
  func finish(scores: TensorRef, item: FeatureRef, context: ExportContext, titles option: ExportOptions.Titles) {
    outputs(scores: scores)
    let titles = context.dataset.itemTitles
    let keep = option == .full && titles.contains { $0 != nil }
    catalog(item: item, titles: keep ? titles.map { $0 ?? "" } : nil, popularity: context.popularity)
    metadata("producer", "reclite \(RecLiteInfo.version)")
    for (key, value) in context.metadata { metadata(key, value) }
  }
}

public enum RecLiteInfo {
  /// The library version from include/reclite.h.
  public static let version = String(cString: Version.cString)
}
