/// What a hub would ship without a learned model: rankings by counting the training events. A
/// `CountBaseline` ranks a request's items by how often they were done at its most specific
/// level (say, this household at this hour), ties broken by the next level (this household at
/// any hour), and so on down to the whole log, then by item row. Levels are keys made of the
/// request's user row and some of its context rows; a request whose key has no events at a level
/// (an unknown household, a new hour) simply falls through to the next one.
public struct CountBaseline: Scorer {
  /// One back-off level: whether the key includes the user, and which context fields.
  public struct Level: Sendable, Equatable {
    public var user: Bool
    public var context: [Int]
    public init(user: Bool, context: [Int]) {
      self.user = user
      self.context = context
    }
  }

  public let itemCount: Int
  public var scoresAreLogits: Bool { false }
  public let levels: [Level]
  private let requests: RequestFeatures
  private let userCount: Int
  /// Per level: counts per item for each key seen in training.
  private let counts: [[[Int32]: [Int32]]]

  /// Counts the real training events of `log` (not the cold-start copies).
  public init(levels: [Level], log: EventLogSplit, requests: RequestFeatures, itemCount: Int) {
    self.levels = levels
    self.requests = requests
    self.itemCount = itemCount
    userCount = log.userCount
    var counts = [[[Int32]: [Int32]]](repeating: [:], count: levels.count)
    for (request, item) in zip(log.trainRequests, log.trainItems) {
      for (l, level) in levels.enumerated() {
        let key = Self.key(level, request: Int(request), requests)
        counts[l][key, default: [Int32](repeating: 0, count: itemCount)][Int(item)] += 1
      }
    }
    self.counts = counts
  }

  static func key(_ level: Level, request: Int, _ requests: RequestFeatures) -> [Int32] {
    (level.user ? [requests.userRows[request]] : []) + level.context.map { requests.contextRows[$0][request] }
  }

  /// Non-zero counts stored (keys × items seen there): what the baseline would ship.
  public var parameterCount: Int { counts.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.filter { $0 > 0 }.count } } }

  /// Scores are `itemCount − position` in the lexicographic order, so they rank exactly.
  public func scoreAll(userRow request: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    let tables: [[Int32]] = levels.enumerated().compactMap { l, level in
      if level.user && Int(requests.userRows[request]) >= userCount { return nil }
      return counts[l][Self.key(level, request: request, requests)]
    }
    let order = (0..<itemCount).sorted { a, b in
      for table in tables where table[a] != table[b] { return table[a] > table[b] }
      return a < b
    }
    for (position, item) in order.enumerated() { scores[item] = Float(itemCount - position) }
  }
}

/// The three hub baselines of an event log's report, by name.
public enum EventLogBaselines {
  /// The baselines over the context columns the config names (by default the first two for
  /// popular-in-context, the first for the habit); an unknown column name is an error.
  public static func make(
    log: EventLogSplit, requests: RequestFeatures, dataset: Dataset, config: PipelineConfig
  ) throws -> [(name: String, scorer: CountBaseline)] {
    let names = dataset.contextColumns.map(\.name)
    func fields(_ wanted: [String]?, first: Int) throws -> [Int] {
      guard let wanted else { return Array(names.indices.prefix(first)) }
      return try wanted.map { name in
        guard let index = names.firstIndex(of: name) else {
          throw DataFileError(
            path: dataset.source, line: 0,
            message: "baseline context column \"\(name)\" is not a context column (context columns: \(names.joined(separator: ", ")))")
        }
        return index
      }
    }
    return make(
      log: log, requests: requests, itemCount: dataset.itemCount, context: try fields(config.contextBaseline, first: 2),
      habit: try fields(config.habitBaseline, first: 1))
  }

  /// "popularity" (the whole log), "popular-in-context" (the events at these context fields,
  /// then at fewer of them) and "user-habit" (the user's own events at `habit` fields, then all
  /// the user's events, then popular-in-context).
  public static func make(
    log: EventLogSplit, requests: RequestFeatures, itemCount: Int, context: [Int], habit: [Int]
  ) -> [(name: String, scorer: CountBaseline)] {
    let contextLevels = (0..<context.count).reversed().map { n in CountBaseline.Level(user: false, context: Array(context[...n])) }
      + [CountBaseline.Level(user: false, context: [])]
    let habitLevels = [CountBaseline.Level(user: true, context: habit), CountBaseline.Level(user: true, context: [])] + contextLevels
    return [
      (ModelName.popularity, CountBaseline(levels: [.init(user: false, context: [])], log: log, requests: requests, itemCount: itemCount)),
      (ModelName.popularInContext, CountBaseline(levels: contextLevels, log: log, requests: requests, itemCount: itemCount)),
      (ModelName.userHabit, CountBaseline(levels: habitLevels, log: log, requests: requests, itemCount: itemCount)),
    ]
  }
}
