/// A categorical context column of a data file (hour, weekday, room, ...): the request side of
/// an interaction besides the user. Integer values are used as they are; text values ("kitchen")
/// get the ids 0, 1, ... in ascending label order, kept in `labels` so a caller can map a label to
/// the id the runtime takes.
public struct ContextColumn: Sendable, Codable, Equatable {
  public let name: String
  /// Labels of a text column by id; nil for an integer column.
  public let labels: [String]?

  public init(name: String, labels: [String]? = nil) {
    self.name = name
    self.labels = labels
  }
}

/// Reads context columns from a parsed CSV. A column holds either integers or text, decided by
/// its first value; an empty value, or a value of the other kind, stops the load with the file
/// and line (a column that mixes them is usually a shifted or corrupted file).
enum ContextColumnReader {
  /// The columns and, per record, one raw value per column.
  static func read(_ document: CSVDocument, names: [String]) throws -> (columns: [ContextColumn], values: [[Int64]]) {
    var values = [[Int64]](repeating: [], count: document.records.count)
    var columns: [ContextColumn] = []
    for (position, name) in names.enumerated() {
      let column = try document.column(name)
      // The exported model names its features "user", "item" and the context columns.
      guard name != "user" && name != "item" && !names[..<position].contains(name) else {
        throw DataFileError(
          path: document.path, line: 1,
          message: "context column \"\(name)\" is given twice or collides with the model's user or item feature; rename it")
      }
      guard let first = document.records.first else {
        columns.append(ContextColumn(name: name))
        continue
      }
      let firstText = try text(document, first, column)
      if Int64(firstText) != nil {
        for (index, record) in document.records.enumerated() {
          let value = try text(document, record, column)
          guard let number = Int64(value) else {
            throw document.error(
              record, "\(name) \"\(value)\" is text, but the column holds integers (first value \"\(firstText)\" on line \(first.line))")
          }
          values[index].append(number)
        }
        columns.append(ContextColumn(name: name))
      } else {
        var labels: [String] = []
        labels.reserveCapacity(document.records.count)
        for record in document.records {
          let value = try text(document, record, column)
          if value.contains(where: \.isNewline) {
            throw document.error(record, "\(name) \"\(value)\" spans lines; a context label must be one line")
          }
          if Int64(value) != nil {
            throw document.error(
              record, "\(name) \"\(value)\" is an integer, but the column holds text (first value \"\(firstText)\" on line \(first.line))")
          }
          labels.append(value)
        }
        let sorted = Array(Set(labels)).sorted()
        let ids = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Int64($0)) })
        for index in labels.indices { values[index].append(ids[labels[index]] ?? 0) }
        columns.append(ContextColumn(name: name, labels: sorted))
      }
    }
    return (columns, values)
  }

  /// The trimmed field, or an error when it is empty.
  private static func text(_ document: CSVDocument, _ record: CSVRecord, _ column: Int) throws -> String {
    let value = record.fields[column].trimmingCharacters(in: .whitespaces)
    guard !value.isEmpty else { throw document.error(record, "context column \(document.header[column]) is empty") }
    return value
  }
}

import Foundation
