/// Reads MovieLens' own CSV format: `ratings.csv` (userId,movieId,rating,timestamp) and
/// `movies.csv` (movieId,title,genres with `|` between genres, the year as a trailing "(1995)").
public enum MovieLens {
  /// Loads ratings (and, if given, movie metadata). Implicit feedback: every rating is an
  /// interaction unless `minRating` is set, in which case lower ratings are counted in
  /// `rowsFiltered` and left out.
  public static func load(
    ratingsPath: String, moviesPath: String?, minRating: Double? = nil
  ) throws -> RawData {
    let ratings = try CSVReader.read(path: ratingsPath)
    let userColumn = try ratings.column("userId")
    let itemColumn = try ratings.column("movieId")
    let ratingColumn = try ratings.column("rating")
    let timeColumn = try ratings.column("timestamp")
    var interactions: [RawInteraction] = []
    interactions.reserveCapacity(ratings.records.count)
    var filtered = 0
    for record in ratings.records {
      let user = try ratings.int64(record, userColumn)
      let item = try ratings.int64(record, itemColumn)
      let rating = try ratings.double(record, ratingColumn)
      let time = try ratings.int64(record, timeColumn)
      if let minRating, rating < minRating {
        filtered += 1
        continue
      }
      interactions.append(RawInteraction(user: user, item: item, timestamp: time, line: record.line))
    }
    var items: [Int64: ItemMetadata] = [:]
    if let moviesPath {
      let movies = try CSVReader.read(path: moviesPath)
      let idColumn = try movies.column("movieId")
      let titleColumn = try movies.column("title")
      let genresColumn = try movies.column("genres")
      for record in movies.records {
        let id = try movies.int64(record, idColumn)
        if items[id] != nil {
          throw movies.error(record, "movieId \(id) appears twice")
        }
        let title = record.fields[titleColumn]
        items[id] = ItemMetadata(
          title: title, genres: splitMultiValue(record.fields[genresColumn]),
          year: yearFromTitle(title))
      }
    }
    return RawData(
      interactions: interactions, items: items, source: ratingsPath,
      rowsRead: ratings.records.count, rowsFiltered: filtered)
  }

  /// The release year from a title ending in "(1995)" (trailing spaces allowed); nil otherwise.
  public static func yearFromTitle(_ title: String) -> Int? {
    let bytes = Array(title.utf8)
    var end = bytes.count
    while end > 0, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
    guard end >= 6, bytes[end - 1] == UInt8(ascii: ")"), bytes[end - 6] == UInt8(ascii: "(")
    else { return nil }
    var year = 0
    for byte in bytes[(end - 5)..<(end - 1)] {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      year = year * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return year
  }
}

/// Splits a `|`-separated multi-valued field, trimming blanks and dropping empty tokens.
func splitMultiValue(_ field: String) -> [String] {
  field.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
    !$0.isEmpty
  }
}

import Foundation
