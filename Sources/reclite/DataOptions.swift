// Where a command reads interaction data: MovieLens' own files or a generic CSV.

import ArgumentParser
import Foundation
import RecLiteTrain

struct DataOptions: ParsableArguments {
  @Option(help: ArgumentHelp("A MovieLens directory holding ratings.csv (and movies.csv).", valueName: "dir"))
  var data: String?

  @Option(help: ArgumentHelp("A generic interactions CSV with a header row (instead of --data).", valueName: "file"))
  var interactions: String?

  @Option(help: "Generic CSV: the user id column.")
  var userColumn = "user"

  @Option(help: "Generic CSV: the item id column.")
  var itemColumn = "item"

  @Option(help: "Generic CSV: an optional rating column (used by --min-rating).")
  var ratingColumn: String?

  @Option(help: "Generic CSV: an optional 0/1 label column (rows labelled 0 are not interactions).")
  var labelColumn: String?

  @Option(help: "Generic CSV: an optional integer timestamp column (else file order is time order).")
  var timestampColumn: String?

  @Option(help: "Generic CSV: item feature columns, values separated by '|' (repeatable).")
  var featureColumn: [String] = []

  @Option(help: "Generic CSV: an optional item year column.")
  var yearColumn: String?

  @Option(help: "Generic CSV: an optional item title column (the runtime's item titles).")
  var titleColumn: String?

  @Option(help: ArgumentHelp(
    "Generic CSV: a request context column (repeatable), categorical: integers or text, e.g. hour, weekday, room. Makes the data an event log: every row counts, repeats included, and each held-out event is ranked with its own context.",
    valueName: "column"))
  var contextColumn: [String] = []

  @Option(help: "Keep only interactions rated at least this much (default: every rating counts).")
  var minRating: Double?

  func validate() throws {
    guard (data == nil) != (interactions == nil) else {
      throw ValidationError("give exactly one of --data (MovieLens directory) and --interactions (CSV file)")
    }
    if data != nil && (!contextColumn.isEmpty || titleColumn != nil) {
      throw ValidationError("--context-column and --title-column apply to --interactions (a generic CSV)")
    }
  }

  var source: DataSource {
    if let data {
      let movies = URL(fileURLWithPath: data).appendingPathComponent("movies.csv").path
      return .movieLens(
        ratings: URL(fileURLWithPath: data).appendingPathComponent("ratings.csv").path,
        movies: FileManager.default.fileExists(atPath: movies) ? movies : nil)
    }
    return .interactions(
      path: interactions ?? "",
      columns: InteractionColumns(
        user: userColumn, item: itemColumn, rating: ratingColumn, label: labelColumn, timestamp: timestampColumn,
        itemFeatures: featureColumn, itemYear: yearColumn, itemTitle: titleColumn, context: contextColumn))
  }
}

/// A comma-separated list of seeds ("1,2,3").
struct SeedList: ExpressibleByArgument {
  let seeds: [UInt64]

  init?(argument: String) {
    let parsed = argument.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
    guard !parsed.isEmpty, parsed.count == argument.split(separator: ",").count else { return nil }
    seeds = parsed
  }
}
