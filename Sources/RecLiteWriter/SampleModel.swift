// A small synthetic two-tower model with every kind of input a real one has
// (user, item with genres, hour-of-day context, titles, popularity). Its
// weights are seeded random numbers: for trying the runtime and for tests,
// never for recommendations.

public struct SampleModel: Sendable {
  public enum TableEncoding: String, CaseIterable, Sendable {
    /// `mixed`: the first fifth of the item rows (the most popular: popularity is row order)
    /// as int8 rows, the rest as int4, in one mixed-precision table (format 2).
    case float32, float16, int8, int4, mixed
  }

  public var users: Int
  public var items: Int
  public var dimension: Int
  public var seed: UInt64
  public var itemEncoding: TableEncoding
  public static let genres = ["Action", "Comedy", "Drama", "Documentary", "Horror", "Romance"]

  public init(users: Int = 50, items: Int = 200, dimension: Int = 16, seed: UInt64 = 1, itemEncoding: TableEncoding = .float32) {
    self.users = users
    self.items = items
    self.dimension = dimension
    self.seed = seed
    self.itemEncoding = itemEncoding
  }

  public func builder() throws -> ModelBuilder {
    var random = SplitMix(seed: seed)
    let d = dimension
    func weights(_ count: Int, scale: Float = 0.5) -> [Float] { (0..<count).map { _ in random.uniform() * scale } }
    let m = ModelBuilder(description: "RecLite sample model (random weights, for trying the runtime)")
    let user = m.feature("user", kind: .user, vocabulary: (1...users).map(Int64.init))
    let item = m.feature("item", kind: .item, vocabulary: (1...items).map(Int64.init))
    let hour = m.feature("hour", kind: .context, identityRows: 24)
    // User tower: embedding → dense → + hour embedding.
    let userTable = m.constant("user_table", floats: weights((users + 1) * d), shape: [users + 1, d])
    let userVector = m.dense(
      "user_tower", m.embeddingLookup("user_embedding", table: userTable, ids: user),
      weight: m.constant("user_tower.weight", floats: weights(d * d), shape: [d, d]),
      bias: m.constant("user_tower.bias", floats: weights(d, scale: 0.1), shape: [d]), activation: .relu)
    let hourTable = m.constant("hour_table", floats: weights(25 * d, scale: 0.1), shape: [25, d])
    let u = m.add("user_vector", userVector, m.embeddingLookup("hour_embedding", table: hourTable, ids: hour))
    // Item side: embedding + mean of its genres' embeddings.
    let itemValues = weights((items + 1) * d)
    let storage: TableStorage
    switch itemEncoding {
    case .float32: storage = .float32
    case .float16: storage = .float16
    case .int8: storage = .rowWise(bits: 8)
    case .int4: storage = .rowWise(bits: 4)
    case .mixed: storage = .mixed(int8Rows: (0...items).map { $0 < (items + 4) / 5 })
    }
    let itemTable = try m.table("item_table", itemValues, rows: items + 1, width: d, storage: storage)
    var offsets: [Int32] = [0]
    var values: [Int32] = []
    for row in 0...items {
      if row < items {
        values.append(Int32(row % SampleModel.genres.count))
        if row % 3 == 0 { values.append(Int32((row / 3) % SampleModel.genres.count)) }
      }
      offsets.append(Int32(values.count))
    }
    let genreTable = m.constant("genre_table", floats: weights(SampleModel.genres.count * d), shape: [SampleModel.genres.count, d])
    let v = m.add(
      "item_vector", m.embeddingLookup("item_embedding", table: itemTable, ids: item),
      m.embeddingBag("item_genres", table: genreTable, ids: item, offsets: offsets, values: values, mode: .mean))
    m.outputs(scores: m.sigmoid("score", m.dot("logit", u, v)))
    m.catalog(
      item: item, titles: (1...items).map { "Sample item \($0) (\(SampleModel.genres[($0 - 1) % SampleModel.genres.count]))" },
      popularity: (0..<Int32(items)).map { $0 })
    m.metadata("producer", "reclite sample-model")
    m.metadata("sample.seed", "\(seed)")
    return m
  }
}

/// SplitMix64: a tiny seeded generator (reproducible across platforms).
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [-1, 1).
  mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
