// `reclite recommend MODEL --user ID`: top-K for one user, with titles.

import ArgumentParser
import Foundation
import RecLiteRuntime

struct RecommendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recommend",
    abstract: "Recommend items for a user with a .rlm model (through the runtime).",
    discussion: """
      Prints the top K items for the user, best first, with their model scores
      and titles. Unknown users are cold-start users: they get the catalog's
      most popular items (or, with --no-fallback, the model's ranking for an
      unknown user). Context features are given by name.

      Examples:
        reclite recommend out/demo/student-distilled-int8-seed1.rlm --user 42 -k 10
        reclite recommend model.rlm --user 7 --exclude 1,32,260 --context hour=21
      """
  )

  @Argument(help: "The .rlm file.")
  var model: String

  @Option(help: "Raw user id.")
  var user: Int64

  @Option(name: .short, help: "How many items.")
  var k = 10

  @Option(help: "Comma-separated raw item ids never to recommend (e.g. already seen).")
  var exclude: String = ""

  @Option(help: "A context feature value as NAME=VALUE (repeatable).")
  var context: [String] = []

  @Flag(help: "For an unknown user, rank with the model instead of by popularity.")
  var noFallback = false

  @Flag(help: "Print JSON.")
  var json = false

  func validate() throws {
    guard (1...100_000).contains(k) else { throw ValidationError("-k must be within 1...100000") }
  }

  func run() throws {
    let opened = try RecLiteRuntime.Model.open(commandLinePath: model)
    let excluded = try exclude.split(separator: ",").map { part -> Int64 in
      guard let id = Int64(part.trimmingCharacters(in: .whitespaces)) else {
        throw CommandFailure("--exclude: \"\(part)\" is not an integer id")
      }
      return id
    }
    let contextValues = try context.map { pair -> ContextValue in
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, let value = Int64(parts[1]) else {
        throw CommandFailure("--context: expected NAME=INTEGER, got \"\(pair)\"")
      }
      guard let index = parts[0].withCString({ opened.feature(named: $0) }),
        opened.graph.features[index].kind == .context
      else {
        let names = opened.graph.features.filter { $0.kind == .context }.map(\.name.description)
        throw CommandFailure("--context: the model has no context feature \"\(parts[0])\" (it has: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
      }
      return ContextValue(feature: UInt32(index), value: value)
    }
    let session = try runtime { () throws(RecLiteError) in try Session(model: opened, arena: nil, length: 0) }
    var ids = [Int64](repeating: 0, count: k)
    var scores = [Float](repeating: 0, count: k)
    let count = try runtime { () throws(RecLiteError) in
      try contextValues.withUnsafeBufferPointer { ctx throws(RecLiteError) in
        try excluded.withUnsafeBufferPointer { ex throws(RecLiteError) in
          let request = Request(
            userID: user, flags: noFallback ? Request.noFallback : 0, context: ctx.baseAddress, contextCount: ctx.count)
          return try session.recommend(
            request, k: k, excludeIDs: ex.baseAddress, excludeCount: ex.count, idsOut: &ids, scoresOut: &scores)
        }
      }
    }
    let known = opened.graph.userFeature < 0 || opened.graph.features[opened.graph.userFeature].row(of: user) != nil
    let rows = (0..<count).map { i in (rank: i + 1, item: ids[i], score: scores[i], title: opened.title(ofItem: ids[i])?.description) }
    if json {
      let items = rows.map { row -> [String: Any] in
        var entry: [String: Any] = ["rank": row.rank, "item": row.item, "score": Double(row.score)]
        if let title = row.title { entry["title"] = title }
        return entry
      }
      let object: [String: Any] = ["user": user, "known_user": known, "items": items]
      print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
      return
    }
    let how = known ? "" : (noFallback ? " (unknown user: model's cold-start ranking)" : " (unknown user: most popular items)")
    print("top \(count) for user \(user)\(how):")
    for row in rows {
      print(String(format: "%4d. %10lld  %.4f  %@", row.rank, row.item, row.score, row.title ?? ""))
    }
  }
}

/// Runs a runtime call, turning its error into a one-line command failure.
func runtime<T>(_ body: () throws(RecLiteError) -> T) throws -> T {
  do {
    return try body()
  } catch {
    throw CommandFailure("\(error.status.name): \(error.message)")
  }
}
