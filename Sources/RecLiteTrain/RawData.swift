/// One interaction as read from a file, still in raw ids.
public struct RawInteraction: Sendable, Equatable {
  public var user: Int64
  public var item: Int64
  /// Seconds since the epoch or any monotone clock; only its order matters (split, ties by item).
  public var timestamp: Int64
  /// 1-based line in the source file, kept so later checks can still point at the row.
  public var line: Int
  /// Raw values of the request's context fields (`RawData.contextFields` order); empty without context.
  public var context: [Int64]

  public init(user: Int64, item: Int64, timestamp: Int64, line: Int = 0, context: [Int64] = []) {
    self.user = user
    self.item = item
    self.timestamp = timestamp
    self.line = line
    self.context = context
  }
}

/// What we know about an item besides its interactions.
public struct ItemMetadata: Sendable, Equatable {
  public var title: String?
  /// Multi-valued categorical feature: genres for MovieLens, tag columns for a generic CSV.
  public var genres: [String]
  public var year: Int?

  public init(title: String? = nil, genres: [String] = [], year: Int? = nil) {
    self.title = title
    self.genres = genres
    self.year = year
  }
}

/// The output of a loader: interactions plus item metadata, before ids are mapped to rows.
public struct RawData: Sendable {
  public var interactions: [RawInteraction]
  public var items: [Int64: ItemMetadata]
  /// Human-readable origin for reports ("ml-latest-small ratings.csv", a path, …).
  public var source: String
  /// Rows read from the file(s) and rows left out by an explicit filter (minRating, label 0).
  public var rowsRead: Int
  public var rowsFiltered: Int
  /// The request's context fields (hour, weekday, room, ...), each interaction carrying one raw
  /// value per field. With context the data is an event log (see `Dataset`).
  public var contextFields: [ContextColumn]

  public init(
    interactions: [RawInteraction], items: [Int64: ItemMetadata], source: String,
    rowsRead: Int? = nil, rowsFiltered: Int = 0, contextFields: [ContextColumn] = []
  ) {
    self.interactions = interactions
    self.items = items
    self.source = source
    self.rowsRead = rowsRead ?? interactions.count
    self.rowsFiltered = rowsFiltered
    self.contextFields = contextFields
  }
}
