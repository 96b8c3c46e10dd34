/// Column names for a generic interactions CSV with a header row.
public struct InteractionColumns: Sendable, Codable, Equatable {
  public var user: String
  public var item: String
  /// Optional rating column (any number; `minRating` filters on it).
  public var rating: String?
  /// Optional 0/1 label column; rows labelled 0 are explicit non-interactions and are left out
  /// (counted in `rowsFiltered`).
  public var label: String?
  /// Optional timestamp column (integer); without it the file order is the time order.
  public var timestamp: String?
  /// Item feature columns, each multi-valued with `|`; all their tokens form the item's
  /// categorical bag (the "genres" field of the models), prefixed by the column name when there
  /// is more than one such column so tokens from different columns never collide.
  public var itemFeatures: [String]
  /// Optional integer release-year (or any year-like) column for the year-bucket feature.
  public var itemYear: String?
  /// Optional item title column (shown by the runtime's `item_title`); must agree per item.
  public var itemTitle: String?
  /// Request context columns (hour, weekday, room, ...): categorical, integer or text. With
  /// context the file is an event log: every row is an event, repeats included (see `Dataset`).
  public var context: [String]

  public init(
    user: String = "user", item: String = "item", rating: String? = nil, label: String? = nil,
    timestamp: String? = nil, itemFeatures: [String] = [], itemYear: String? = nil, itemTitle: String? = nil,
    context: [String] = []
  ) {
    self.itemTitle = itemTitle
    self.context = context
    self.user = user
    self.item = item
    self.rating = rating
    self.label = label
    self.timestamp = timestamp
    self.itemFeatures = itemFeatures
    self.itemYear = itemYear
  }
}

/// Reads a generic interactions CSV (user, item, optional rating or label, optional timestamp,
/// optional item feature, year and title columns, optional context columns). Item features repeat
/// on every row of an item; they must agree, otherwise the row that disagrees is reported.
public enum InteractionsCSV {
  public static func load(
    path: String, columns: InteractionColumns, minRating: Double? = nil
  ) throws -> RawData {
    let document = try CSVReader.read(path: path)
    let userColumn = try document.column(columns.user)
    let itemColumn = try document.column(columns.item)
    let ratingColumn = try columns.rating.map { try document.column($0) }
    let labelColumn = try columns.label.map { try document.column($0) }
    let timeColumn = try columns.timestamp.map { try document.column($0) }
    let featureColumns = try columns.itemFeatures.map { try document.column($0) }
    let yearColumn = try columns.itemYear.map { try document.column($0) }
    let titleColumn = try columns.itemTitle.map { try document.column($0) }
    let context = try ContextColumnReader.read(document, names: columns.context)
    if minRating != nil, ratingColumn == nil {
      throw DataFileError(path: path, line: 1, message: "minRating needs a rating column")
    }

    var interactions: [RawInteraction] = []
    interactions.reserveCapacity(document.records.count)
    var items: [Int64: ItemMetadata] = [:]
    var itemFirstLine: [Int64: Int] = [:]
    var filtered = 0
    for (index, record) in document.records.enumerated() {
      let user = try document.int64(record, userColumn)
      let item = try document.int64(record, itemColumn)
      let time = try timeColumn.map { try document.int64(record, $0) } ?? Int64(index)
      if let ratingColumn {
        let rating = try document.double(record, ratingColumn)
        if let minRating, rating < minRating {
          filtered += 1
          continue
        }
      }
      if let labelColumn {
        let label = try document.double(record, labelColumn)
        guard label == 0 || label == 1 else {
          throw document.error(record, "\(document.header[labelColumn]) \"\(record.fields[labelColumn])\" is not 0 or 1")
        }
        if label == 0 {
          filtered += 1
          continue
        }
      }
      if !featureColumns.isEmpty || yearColumn != nil || titleColumn != nil {
        var genres: [String] = []
        for column in featureColumns {
          let prefix = featureColumns.count > 1 ? document.header[column] + "=" : ""
          genres += splitMultiValue(record.fields[column]).map { prefix + $0 }
        }
        var year: Int? = nil
        if let yearColumn {
          let text = record.fields[yearColumn].trimmingCharacters(in: .whitespaces)
          if !text.isEmpty {
            guard let value = Int(text) else {
              throw document.error(record, "\(document.header[yearColumn]) \"\(text)\" is not an integer")
            }
            year = value
          }
        }
        let title = titleColumn.map { record.fields[$0].trimmingCharacters(in: .whitespaces) }
        let metadata = ItemMetadata(title: title, genres: genres, year: year)
        if let known = items[item] {
          if known != metadata {
            throw document.error(
              record,
              "item \(item) has different features than on line \(itemFirstLine[item] ?? 0)")
          }
        } else {
          items[item] = metadata
          itemFirstLine[item] = record.line
        }
      }
      interactions.append(
        RawInteraction(user: user, item: item, timestamp: time, line: record.line, context: context.values[index]))
    }
    return RawData(
      interactions: interactions, items: items, source: path, rowsRead: document.records.count,
      rowsFiltered: filtered, contextFields: context.columns)
  }
}

import Foundation
