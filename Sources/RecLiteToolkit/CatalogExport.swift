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

  public init(dataset: Dataset, trainItemCounts: [Int], metadata: [String: String]) {
    self.dataset = dataset
    popularity = trainItemCounts.indices.sorted { a, b in
      trainItemCounts[a] != trainItemCounts[b] ? trainItemCounts[a] > trainItemCounts[b] : a < b
    }.map(Int32.init)
    self.metadata = metadata
  }
}

extension ModelBuilder {
  /// User and item features over the data set's sorted raw ids (row = position; OOV row = count).
  func idFeatures(_ dataset: Dataset) -> (user: FeatureRef, item: FeatureRef) {
    (feature("user", kind: .user, vocabulary: dataset.userIds), feature("item", kind: .item, vocabulary: dataset.itemIds))
  }

  /// Declares the scores, the catalog and the provenance.
  func finish(scores: TensorRef, item: FeatureRef, context: ExportContext) {
    outputs(scores: scores)
    let titles = context.dataset.itemTitles
    catalog(item: item, titles: titles.contains { $0 != nil } ? titles.map { $0 ?? "" } : nil, popularity: context.popularity)
    metadata("producer", "reclite \(RecLiteInfo.version)")
    for (key, value) in context.metadata { metadata(key, value) }
  }
}

public enum RecLiteInfo {
  /// The library version from include/reclite.h.
  public static let version = String(cString: Version.cString)
}
