/// Interactions with ids mapped to dense rows, item features, and the vocabularies the runtime
/// needs to map raw ids back to rows.
///
/// Row conventions (shared with the exporter and the runtime):
/// - users and items are rows `0..<count` in **ascending raw-id order** (`userIds[row]`,
///   `itemIds[row]`); an unknown id maps to the OOV row `count`, so every table has `count + 1`
///   rows.
/// - genres are rows in ascending name order (`genreNames`), OOV row `genreNames.count`.
/// - years fall into `yearBuckets.count` buckets; an unknown year is the OOV bucket
///   `yearBuckets.count`.
/// The catalog is every item that appears in the interactions.
///
/// With context fields (`RawData.contextFields`) the data is an event log: every row is kept,
/// repeats of a (user, item) pair included (a household turns the kitchen lights on every day),
/// and `requests` lists each (user, context) combination as a request row (`RequestFeatures`),
/// plus one per context combination for an unknown user (the cold-start requests).
public struct Dataset: Sendable {
  public let source: String
  public let userIds: [Int64]
  public let itemIds: [Int64]
  public let genreNames: [String]
  public let yearBuckets: YearBuckets
  /// Titles by item row (nil when the data has none).
  public let itemTitles: [String?]
  /// Release years by item row (nil when unknown).
  public let itemYears: [Int?]
  /// Per-item feature rows, including the OOV item (row `itemCount`: empty bag, unknown year).
  public let features: ItemFeatures
  /// All interactions as parallel arrays, in the order of the source file after de-duplication.
  public let interactionUser: [Int32]
  public let interactionItem: [Int32]
  public let interactionTime: [Int64]
  /// Counts for reports: rows read, rows filtered by an explicit option, duplicate
  /// (user, item) pairs merged into their earliest occurrence.
  public let rowsRead: Int
  public let rowsFiltered: Int
  public let duplicatesMerged: Int
  /// Context fields (empty without context), their known raw values ascending (row = position)
  /// and, for an event log, the request rows and each interaction's request row.
  public let contextColumns: [ContextColumn]
  public let contextValues: [[Int64]]
  public let requests: RequestFeatures?
  public let interactionRequest: [Int32]
  /// Per request row, the row of the same context for an unknown user (itself for those rows).
  public let coldStartRequest: [Int32]

  public var isEventLog: Bool { requests != nil }

  public var userCount: Int { userIds.count }
  public var itemCount: Int { itemIds.count }
  public var interactionCount: Int { interactionUser.count }

  /// Row of a raw user id, or nil when the id is unknown (the caller decides: OOV row or error).
  public func userRow(_ rawId: Int64) -> Int? { sortedIndex(userIds, rawId) }
  public func itemRow(_ rawId: Int64) -> Int? { sortedIndex(itemIds, rawId) }

  /// Genre names of an item row.
  public func genres(ofItem row: Int) -> [String] {
    features.genres(ofItem: row).map { genreNames[Int($0)] }
  }

  /// Builds the dataset. Items that have metadata but no interaction are not in the catalog;
  /// items with interactions but no metadata get no genres and an unknown year (years fall in
  /// five-year buckets).
  public init(_ raw: RawData) throws {
    guard !raw.interactions.isEmpty else {
      throw DataFileError(path: raw.source, line: 0, message: "no interactions")
    }
    source = raw.source
    rowsRead = raw.rowsRead
    rowsFiltered = raw.rowsFiltered
    userIds = Array(Set(raw.interactions.map(\.user))).sorted()
    itemIds = Array(Set(raw.interactions.map(\.item))).sorted()
    let userIndex = Dictionary(uniqueKeysWithValues: userIds.enumerated().map { ($1, $0) })
    let itemIndex = Dictionary(uniqueKeysWithValues: itemIds.enumerated().map { ($1, $0) })

    var seen = Set<Int64>()
    var users: [Int32] = [], items: [Int32] = [], times: [Int64] = []
    // Keep the earliest occurrence of a duplicated (user, item) pair; an event log keeps them all.
    let eventLog = !raw.contextFields.isEmpty
    let order = raw.interactions.indices.sorted {
      let a = raw.interactions[$0], b = raw.interactions[$1]
      return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : $0 < $1
    }
    var keep = [Bool](repeating: eventLog, count: raw.interactions.count)
    for index in order where !eventLog {
      let r = raw.interactions[index]
      let u = userIndex[r.user] ?? 0, i = itemIndex[r.item] ?? 0
      if seen.insert(Int64(u) * Int64(itemIds.count) + Int64(i)).inserted { keep[index] = true }
    }
    for (index, r) in raw.interactions.enumerated() where keep[index] {
      users.append(Int32(userIndex[r.user] ?? 0))
      items.append(Int32(itemIndex[r.item] ?? 0))
      times.append(r.timestamp)
    }
    duplicatesMerged = raw.interactions.count - users.count
    interactionUser = users
    interactionItem = items
    interactionTime = times
    let kept = raw.interactions.indices.filter { keep[$0] }.map { raw.interactions[$0] }
    let context = EventLogRequests(kept, fields: raw.contextFields, users: users, userCount: userIds.count)
    contextColumns = raw.contextFields
    contextValues = context.values
    requests = context.requests
    interactionRequest = context.interactionRequest
    coldStartRequest = context.coldStartRequest

    let metadata = itemIds.map { raw.items[$0] ?? ItemMetadata() }
    itemTitles = metadata.map(\.title)
    itemYears = metadata.map(\.year)
    genreNames = Array(Set(metadata.flatMap(\.genres))).sorted()
    let genreIndex = Dictionary(uniqueKeysWithValues: genreNames.enumerated().map { ($1, $0) })
    yearBuckets = YearBuckets(years: metadata.compactMap(\.year), width: 5)

    var offsets: [Int32] = [0], rows: [Int32] = [], buckets: [Int32] = []
    for item in metadata {
      let genreRows = Set(item.genres.compactMap { genreIndex[$0] }).sorted()
      rows += genreRows.map { Int32($0) }
      offsets.append(Int32(rows.count))
      buckets.append(Int32(yearBuckets.bucket(item.year)))
    }
    offsets.append(Int32(rows.count))  // the OOV item: empty bag
    buckets.append(Int32(yearBuckets.count))  // the OOV item: unknown year
    features = ItemFeatures(
      genreOffsets: offsets, genreRows: rows, yearBucket: buckets, genreCount: genreNames.count,
      yearBucketCount: yearBuckets.count)
  }
}

/// Fixed-width year buckets starting at a multiple of the width; `count` regular buckets and the
/// OOV bucket `count` for an unknown year. Years outside the seen range clamp to the edge buckets.
public struct YearBuckets: Sendable, Equatable {
  public let firstYear: Int
  public let width: Int
  public let count: Int

  init(years: [Int], width: Int) {
    self.width = max(1, width)
    guard let low = years.min(), let high = years.max() else {
      firstYear = 0
      count = 0
      return
    }
    firstYear = Int((Double(low) / Double(self.width)).rounded(.down)) * self.width
    count = (high - firstYear) / self.width + 1
  }

  /// Bucket of a year; the OOV bucket `count` when the year is unknown.
  public func bucket(_ year: Int?) -> Int {
    guard let year, count > 0 else { return count }
    return min(max((year - firstYear) / width, 0), count - 1)
  }

  /// First year covered by a bucket (for labels in reports).
  public func startYear(ofBucket bucket: Int) -> Int { firstYear + bucket * width }
}

/// Item-side feature rows in CSR form, for items `0...itemCount` (the last one is the OOV item).
/// Models read these instead of the Dataset so they stay self-contained for export.
public struct ItemFeatures: Sendable, Equatable {
  /// `genreRows[genreOffsets[i]..<genreOffsets[i+1]]` are item i's genre rows (ascending).
  public let genreOffsets: [Int32]
  public let genreRows: [Int32]
  /// Year bucket per item row (`yearBucketCount` = unknown).
  public let yearBucket: [Int32]
  /// Genre vocabulary size (genre table has `genreCount + 1` rows).
  public let genreCount: Int
  /// Regular year buckets (year table has `yearBucketCount + 1` rows).
  public let yearBucketCount: Int

  public init(
    genreOffsets: [Int32], genreRows: [Int32], yearBucket: [Int32], genreCount: Int,
    yearBucketCount: Int
  ) {
    self.genreOffsets = genreOffsets
    self.genreRows = genreRows
    self.yearBucket = yearBucket
    self.genreCount = genreCount
    self.yearBucketCount = yearBucketCount
  }

  public func genres(ofItem row: Int) -> ArraySlice<Int32> {
    genreRows[Int(genreOffsets[row])..<Int(genreOffsets[row + 1])]
  }
}

/// Binary search in an ascending array.
func sortedIndex(_ sorted: [Int64], _ value: Int64) -> Int? {
  var low = 0, high = sorted.count
  while low < high {
    let mid = (low + high) / 2
    if sorted[mid] < value { low = mid + 1 } else { high = mid }
  }
  return low < sorted.count && sorted[low] == value ? low : nil
}
