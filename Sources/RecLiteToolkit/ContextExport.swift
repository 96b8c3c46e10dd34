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
