import Foundation

/// An error in a data file, always naming the file and the 1-based line so a user can open the
/// file at the offending row. Rows are never dropped silently: a bad row stops the load.
public struct DataFileError: Error, CustomStringConvertible, Equatable, Sendable {
  public let path: String
  /// 1-based line on which the offending record starts (0 when the problem is the file itself).
  public let line: Int
  public let message: String

  public init(path: String, line: Int, message: String) {
    self.path = path
    self.line = line
    self.message = message
  }

  public var description: String {
    line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)"
  }
}

/// One CSV record with the line it started on (quoted fields may span several lines).
public struct CSVRecord: Sendable {
  public let line: Int
  public let fields: [String]
}

/// A parsed CSV file: a header row and the records after it, each with exactly as many fields as
/// the header (checked while parsing).
public struct CSVDocument: Sendable {
  public let path: String
  public let header: [String]
  public let records: [CSVRecord]

  /// Index of a header column, or an error naming the columns that do exist.
  public func column(_ name: String) throws -> Int {
    if let index = header.firstIndex(of: name) { return index }
    throw DataFileError(
      path: path, line: 1,
      message: "no column \"\(name)\" in header (columns: \(header.joined(separator: ", ")))")
  }

  public func error(_ record: CSVRecord, _ message: String) -> DataFileError {
    DataFileError(path: path, line: record.line, message: message)
  }

  /// The field parsed as an integer id, or an error such as `userId "abc" is not an integer`.
  public func int64(_ record: CSVRecord, _ column: Int) throws -> Int64 {
    let text = record.fields[column].trimmingCharacters(in: .whitespaces)
    guard let value = Int64(text) else {
      throw error(record, "\(header[column]) \"\(record.fields[column])\" is not an integer")
    }
    return value
  }

  /// The field parsed as a finite number.
  public func double(_ record: CSVRecord, _ column: Int) throws -> Double {
    let text = record.fields[column].trimmingCharacters(in: .whitespaces)
    guard let value = Double(text), value.isFinite else {
      throw error(record, "\(header[column]) \"\(record.fields[column])\" is not a number")
    }
    return value
  }
}

/// A small RFC 4180 reader: comma separated, `"` quoting with `""` as an escaped quote, quoted
/// fields may hold commas and line breaks, records end with LF or CRLF. It works on bytes (the
/// delimiters are ASCII, so UTF-8 content passes through untouched) and is strict: a stray quote,
/// an unterminated quote or a record whose field count differs from the header is an error.
public enum CSVReader {
  public static func read(path: String) throws -> CSVDocument {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataFileError(path: path, line: 0, message: "cannot read file")
    }
    return try parse([UInt8](data), path: path)
  }

  public static func parse(_ text: String, path: String) throws -> CSVDocument {
    try parse(Array(text.utf8), path: path)
  }

  public static func parse(_ bytes: [UInt8], path: String) throws -> CSVDocument {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"),
      cr = UInt8(ascii: "\r")
    var position = 0
    // Skip a UTF-8 byte-order mark, which spreadsheet exports like to add.
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }

    var line = 1
    var records: [CSVRecord] = []
    var header: [String]? = nil
    var fields: [String] = []
    var field: [UInt8] = []

    func fail(_ at: Int, _ message: String) -> DataFileError {
      DataFileError(path: path, line: at, message: message)
    }

    while position < bytes.count {
      let recordLine = line
      fields.removeAll(keepingCapacity: true)
      // Parse one record.
      var endOfRecord = false
      while !endOfRecord {
        field.removeAll(keepingCapacity: true)
        if position < bytes.count, bytes[position] == quote {
          position += 1
          var closed = false
          while position < bytes.count {
            let byte = bytes[position]
            if byte == quote {
              if position + 1 < bytes.count, bytes[position + 1] == quote {
                field.append(quote)
                position += 2
                continue
              }
              position += 1
              closed = true
              break
            }
            if byte == lf { line += 1 }
            field.append(byte)
            position += 1
          }
          if !closed { throw fail(recordLine, "unterminated quoted field") }
          // After a closing quote only a separator or the end of the record may follow.
          if position < bytes.count, bytes[position] != comma, bytes[position] != lf,
            bytes[position] != cr
          {
            throw fail(line, "unexpected character after closing quote in field \(fields.count + 1)")
          }
        } else {
          while position < bytes.count {
            let byte = bytes[position]
            if byte == comma || byte == lf || byte == cr { break }
            if byte == quote {
              throw fail(line, "stray quote in unquoted field \(fields.count + 1)")
            }
            field.append(byte)
            position += 1
          }
        }
        fields.append(String(decoding: field, as: UTF8.self))
        if position >= bytes.count {
          endOfRecord = true
        } else if bytes[position] == comma {
          position += 1
        } else {
          // LF or CRLF (a lone CR is accepted as a line end too).
          if bytes[position] == cr { position += 1 }
          if position < bytes.count, bytes[position] == lf { position += 1 }
          line += 1
          endOfRecord = true
        }
      }
      if header == nil {
        header = fields
        continue
      }
      let expected = header?.count ?? 0
      if fields.count == 1, fields[0].isEmpty {
        throw fail(recordLine, "empty line (expected \(expected) fields)")
      }
      if fields.count != expected {
        throw fail(recordLine, "expected \(expected) fields, found \(fields.count)")
      }
      records.append(CSVRecord(line: recordLine, fields: fields))
    }
    guard let header else { throw fail(0, "empty file (no header row)") }
    return CSVDocument(path: path, header: header, records: records)
  }
}
