// Context features (an event log's hour, weekday, room, ...): the runtime's
// CONTEXT features, which a request passes in reclite_request.context.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

extension ModelBuilder {
  /// The first `fields` context columns of the data as context features over their known raw
  /// values (unknown values use the OOV row). A text column's raw values are label ids; its
  /// labels go into the metadata as "context.NAME" = "0=label\n1=label…", so a caller can map a
  /// label ("kitchen") to the value the model takes.
  func contextFeatures(_ dataset: Dataset, fields: Int) -> [FeatureRef] {
    (0..<fields).map { f in
      let column = dataset.contextColumns[f]
      if let labels = column.labels {
        metadata("context.\(column.name)", labels.enumerated().map { "\($0)=\($1)" }.joined(separator: "\n"))
      }
      return feature(column.name, kind: .context, vocabulary: dataset.contextValues[f])
    }
  }
}

/// The hub's fallback for a home the model has never seen: the most frequent actions of the
/// training events at each value of the first context column ("popular.hour" =
/// "7=item,item,…\n8=…", raw ids, most frequent first, ties by item row). A new home's learned
/// row ranks worse than counting (the report's "-new-home" rows against popular-in-context), so
/// the file carries the counts; a few hundred bytes.
public enum ContextFallback {
  public static let itemsPerValue = 10

  /// The metadata entry, or nil when the data is not an event log or has no context column.
  public static func metadata(_ dataset: Dataset, split: Split) -> (key: String, value: String)? {
    guard let log = split.eventLog, let requests = dataset.requests, let column = dataset.contextColumns.first else { return nil }
    let values = dataset.contextValues[0]
    var counts = [[Int]](repeating: [Int](repeating: 0, count: dataset.itemCount), count: values.count)
    for (request, item) in zip(log.trainRequests, log.trainItems) {
      let row = Int(requests.contextRows[0][Int(request)])
      if row < values.count { counts[row][Int(item)] += 1 }
    }
    let lines = values.indices.compactMap { row -> String? in
      let seen = counts[row].indices.filter { counts[row][$0] > 0 }
      guard !seen.isEmpty else { return nil }
      let top = seen.sorted { counts[row][$0] != counts[row][$1] ? counts[row][$0] > counts[row][$1] : $0 < $1 }.prefix(itemsPerValue)
      return "\(values[row])=" + top.map { String(dataset.itemIds[$0]) }.joined(separator: ",")
    }
    return ("popular.\(column.name)", lines.joined(separator: "\n"))
  }
}
