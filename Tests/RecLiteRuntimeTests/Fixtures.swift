// Small models with known weights, and the same models computed the
// straightforward way (nested arrays, plain loops) to check the runtime against.

import Foundation
import RecLiteRuntime
@testable import RecLiteWriter

/// Deterministic weights in [-1, 1).
struct TestRandom {
  var state: UInt64

  mutating func next() -> Float {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
  }

  mutating func matrix(_ rows: Int, _ columns: Int) -> [[Float]] {
    (0..<rows).map { _ in (0..<columns).map { _ in next() } }
  }
}

func flat(_ m: [[Float]]) -> [Float] { m.flatMap { $0 } }
func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
func dotProduct(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { $0 * $1 }.reduce(0, +) }
func relu(_ v: [Float]) -> [Float] { v.map { max($0, 0) } }
func matvec(_ w: [[Float]], _ x: [Float], _ b: [Float]) -> [Float] {
  w.enumerated().map { o, row in dotProduct(row, x) + b[o] }
}

/// What `Quantize` stores, decoded by hand from the format's definition. The fixtures' values
/// are finite and small, which the quantizers always accept (`try!`).
enum Decode {
  static func float16(_ values: [Float]) -> [Float] { values.map { Float(Float16($0)) } }

  static func rowWise(_ table: [[Float]], bits: Int) -> [[Float]] {
    let width = table.first?.count ?? 0
    let bytes = try! Quantize.rowWise(flat(table), rows: table.count, width: width, bits: bits)
    let codeBytes = bits == 8 ? width : (width + 1) / 2
    let stride = (codeBytes + (bits == 8 ? 8 : 4) + 3) / 4 * 4
    return table.indices.map { r in
      let row = Array(bytes[(r * stride)..<((r + 1) * stride)])
      let scale: Float
      let bias: Float
      if bits == 8 {
        scale = Float(bitPattern: UInt32(row[width]) | UInt32(row[width + 1]) << 8 | UInt32(row[width + 2]) << 16 | UInt32(row[width + 3]) << 24)
        bias = Float(bitPattern: UInt32(row[width + 4]) | UInt32(row[width + 5]) << 8 | UInt32(row[width + 6]) << 16 | UInt32(row[width + 7]) << 24)
      } else {
        scale = Float(Float16(bitPattern: UInt16(row[codeBytes]) | UInt16(row[codeBytes + 1]) << 8))
        bias = Float(Float16(bitPattern: UInt16(row[codeBytes + 2]) | UInt16(row[codeBytes + 3]) << 8))
      }
      return (0..<width).map { j in
        let code = bits == 8 ? row[j] : (j % 2 == 0 ? row[j / 2] & 0xF : row[j / 2] >> 4)
        return Float(code) * scale + bias
      }
    }
  }

  static func perChannelInt8(_ weight: [[Float]]) -> [[Float]] {
    let inputs = weight.first?.count ?? 0
    let (bytes, scales) = try! Quantize.perChannelInt8(flat(weight), outputs: weight.count, inputs: inputs)
    return weight.indices.map { o in
      (0..<inputs).map { i in scales[o] * Float(Int8(bitPattern: bytes[o * inputs + i])) }
    }
  }
}

/// How a fixture stores an embedding table.
enum TableEncoding: CaseIterable, Sendable {
  case float32, float16, rowWise8, rowWise4

  func decoded(_ table: [[Float]]) -> [[Float]] {
    switch self {
    case .float32: return table
    case .float16: return table.map(Decode.float16)
    case .rowWise8: return Decode.rowWise(table, bits: 8)
    case .rowWise4: return Decode.rowWise(table, bits: 4)
    }
  }

  func constant(_ builder: ModelBuilder, _ name: String, _ table: [[Float]]) -> TensorRef {
    let shape = [table.count, table.first?.count ?? 0]
    switch self {
    case .float32:
      return builder.constant(name, floats: flat(table), shape: shape)
    case .float16:
      return builder.constant(name, type: .float16, shape: shape, bytes: try! Quantize.float16(flat(table)))
    case .rowWise8, .rowWise4:
      let bits = self == .rowWise8 ? 8 : 4
      return builder.constant(
        name, type: bits == 8 ? .uint8 : .uint4, shape: shape,
        bytes: try! Quantize.rowWise(flat(table), rows: shape[0], width: shape[1], bits: bits), quantization: .rowWise)
    }
  }
}

/// A two-tower model with a context feature and a genre bag:
/// u = relu(W·E_user[u] + b) + E_hour[h];  v = E_item[i] + mean(E_genre[g ∈ genres(i)]);  probability σ(u·v).
struct TwoTowerFixture {
  let users: [Int64] = [10, 20, 30]
  let items: [Int64] = [100, 200, 300, 400, 500, 600, 700]
  let titles = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"]
  /// Genre rows per item row (the last entry is the OOV item: no genres).
  let itemGenres: [[Int32]] = [[0], [1, 2], [], [0, 1, 2], [2], [1], [0, 2], []]
  let popularity: [Int32] = [3, 0, 5, 1]
  let d = 4
  var userTable: [[Float]]
  var itemTable: [[Float]]
  var hourTable: [[Float]]
  var genreTable: [[Float]]
  var w: [[Float]]
  var b: [Float]
  var encoding: TableEncoding

  init(seed: UInt64 = 1, encoding: TableEncoding = .float32) {
    var random = TestRandom(state: seed)
    userTable = random.matrix(4, d)
    itemTable = random.matrix(8, d)
    hourTable = random.matrix(25, d)
    genreTable = random.matrix(3, d)
    w = random.matrix(d, d)
    b = random.matrix(1, d)[0]
    self.encoding = encoding
  }

  func builder() -> ModelBuilder {
    let m = ModelBuilder(description: "two-tower test fixture")
    let user = m.feature("user", kind: .user, vocabulary: users)
    let item = m.feature("item", kind: .item, vocabulary: items)
    let hour = m.feature("hour", kind: .context, identityRows: 24)
    let userEmbedding = m.embeddingLookup("user_embedding", table: encoding.constant(m, "user_table", userTable), ids: user)
    let tower = m.dense(
      "user_tower", userEmbedding, weight: m.constant("w", floats: flat(w), shape: [d, d]),
      bias: m.constant("b", floats: b, shape: [d]), activation: .relu)
    let hourEmbedding = m.embeddingLookup("hour_embedding", table: m.constant("hour_table", floats: flat(hourTable), shape: [25, d]), ids: hour)
    let u = m.add("u", tower, hourEmbedding)
    let itemEmbedding = m.embeddingLookup("item_embedding", table: encoding.constant(m, "item_table", itemTable), ids: item)
    var offsets: [Int32] = [0]
    for genres in itemGenres { offsets.append(offsets.last! + Int32(genres.count)) }
    let genres = m.embeddingBag(
      "genres", table: m.constant("genre_table", floats: flat(genreTable), shape: [3, d]), ids: item,
      offsets: offsets, values: itemGenres.flatMap { $0 }, mode: .mean)
    let v = m.add("v", itemEmbedding, genres)
    let logit = m.dot("logit", u, v)
    m.outputs(scores: m.sigmoid("score", logit))
    m.catalog(item: item, titles: titles, popularity: popularity)
    m.metadata("producer", "RecLite tests")
    m.metadata("teacher.ndcg@10", "0.0612")
    return m
  }

  /// The score the runtime returns: the logit u·v (it leaves out the final sigmoid).
  func score(user: Int64, hour: Int64? = nil, item: Int64) -> Float {
    let users = encoding.decoded(userTable)
    let itemRows = encoding.decoded(itemTable)
    let userRow = self.users.firstIndex(of: user) ?? self.users.count
    let hourRow = hour.flatMap { (0..<24).contains($0) ? Int($0) : nil } ?? 24
    let u = zip(relu(matvec(w, users[userRow], b)), hourTable[hourRow]).map { $0 + $1 }
    let itemRow = items.firstIndex(of: item) ?? items.count
    var v = itemRows[itemRow]
    let genres = itemGenres[itemRow]
    for g in genres {
      for j in 0..<d { v[j] += genreTable[Int(g)][j] / Float(genres.count) }
    }
    return dotProduct(u, v)
  }
}

/// A DeepFM-style ranker exercising the remaining ops and encodings:
/// fields e_u (float32), e_i (row-wise 4-bit, pruned row), e_g (float16 mean bag);
/// probability σ(FM(e_u, e_i, e_g) + W2·relu(W1·[e_u, e_i, e_g, e_u ⊙ e_i] + b1) + b2 + bias_i)
/// with W1 int8 per-channel and W2 stored sparse.
struct RankerFixture {
  let users: [Int64] = [7, 8, 9, 11]
  let items: [Int64] = Array(stride(from: 1000, to: 1013, by: 1))
  let d = 3
  let hidden = 5
  var userTable: [[Float]]
  var itemTable: [[Float]]  // logical rows; row 2 is pruned
  var genreTable: [[Float]]
  var itemBias: [[Float]]
  var w1: [[Float]]
  var b1: [Float]
  var w2: [[Float]]
  var b2: [Float]
  let itemGenres: [[Int32]]
  let prunedItemRow = 2

  init(seed: UInt64 = 7) {
    var random = TestRandom(state: seed)
    userTable = random.matrix(5, d)
    itemTable = random.matrix(14, d)
    itemTable[prunedItemRow] = [0, 0, 0]
    genreTable = random.matrix(4, d)
    itemBias = random.matrix(14, 1)
    w1 = random.matrix(hidden, 4 * d)
    b1 = random.matrix(1, hidden)[0]
    w2 = random.matrix(1, hidden)
    w2[0][1] = 0
    w2[0][3] = 0
    b2 = [0.25]
    itemGenres = (0..<14).map { row in (0..<4).filter { ($0 + row) % 3 == 0 }.map(Int32.init) }
  }

  func builder() -> ModelBuilder {
    let m = ModelBuilder(description: "ranker test fixture")
    let user = m.feature("user", kind: .user, vocabulary: users)
    let item = m.feature("item", kind: .item, vocabulary: items)
    let eu = m.embeddingLookup("e_user", table: m.constant("user_table", floats: flat(userTable), shape: [5, d]), ids: user)
    // The pruned row is not stored; the remap sends it to -1.
    let stored = itemTable.enumerated().filter { $0.offset != prunedItemRow }.map(\.element)
    let table = TableEncoding.rowWise4.constant(m, "item_table", stored)
    m.setRowRemap(table, (0..<14).map { $0 == prunedItemRow ? -1 : Int32($0 < prunedItemRow ? $0 : $0 - 1) })
    let ei = m.embeddingLookup("e_item", table: table, ids: item)
    var offsets: [Int32] = [0]
    for genres in itemGenres { offsets.append(offsets.last! + Int32(genres.count)) }
    let genreTableRef = TableEncoding.float16.constant(m, "genre_table", genreTable)
    let eg = m.embeddingBag("e_genres", table: genreTableRef, ids: item, offsets: offsets, values: itemGenres.flatMap { $0 }, mode: .mean)
    let fm = m.fmInteraction("fm", [eu, ei, eg])
    let cross = m.mul("cross", eu, ei)
    let x = m.concat("x", [eu, ei, eg, cross])
    let (codes, scales) = try! Quantize.perChannelInt8(flat(w1), outputs: hidden, inputs: 4 * d)
    let w1Ref = m.constant("w1", type: .int8, shape: [hidden, 4 * d], bytes: codes, quantization: .perChannel(scales: scales, zeroPoints: nil, axis: 0))
    let h = m.dense("h", x, weight: w1Ref, bias: m.constant("b1", floats: b1, shape: [hidden]), activation: .relu)
    let csr = Quantize.csr(flat(w2), rows: 1, columns: hidden)
    let w2Ref = m.constant("w2", floats: csr.values, shape: [1, hidden])
    m.makeSparse(w2Ref, rowOffsets: csr.rowOffsets, columns: csr.columns)
    let mlp = m.dense("mlp", h, weight: w2Ref, bias: m.constant("b2", floats: b2, shape: [1]))
    let bias = m.embeddingLookup("item_bias", table: m.constant("item_bias_table", floats: flat(itemBias), shape: [14, 1]), ids: item)
    let logit = m.add("logit", m.add("fm_mlp", fm, mlp), bias)
    m.outputs(scores: m.sigmoid("score", logit))
    m.catalog(item: item, titles: nil, popularity: [])
    return m
  }

  /// The score the runtime returns: the logit.
  func score(user: Int64, item: Int64) -> Float {
    let eu = userTable[users.firstIndex(of: user) ?? users.count]
    let itemRow = items.firstIndex(of: item) ?? items.count
    let stored = Decode.rowWise(itemTable.enumerated().filter { $0.offset != prunedItemRow }.map(\.element), bits: 4)
    let ei = itemRow == prunedItemRow ? [Float](repeating: 0, count: d) : stored[itemRow < prunedItemRow ? itemRow : itemRow - 1]
    let genres = genreTable.map(Decode.float16)
    var eg = [Float](repeating: 0, count: d)
    for g in itemGenres[itemRow] {
      for j in 0..<d { eg[j] += genres[Int(g)][j] / Float(itemGenres[itemRow].count) }
    }
    var fm: Float = 0
    for j in 0..<d {
      let s = eu[j] + ei[j] + eg[j]
      fm += 0.5 * (s * s - eu[j] * eu[j] - ei[j] * ei[j] - eg[j] * eg[j])
    }
    let x = eu + ei + eg + zip(eu, ei).map { $0 * $1 }
    let h = relu(matvec(Decode.perChannelInt8(w1), x, b1))
    let mlp = matvec(w2, h, b2)[0]
    return fm + mlp + itemBias[itemRow][0]
  }
}

/// Serializes a builder and opens it with the runtime.
func openModel(_ builder: ModelBuilder, maxBatch: Int = 256) throws -> Model {
  let bytes = try builder.serialize(maxBatch: maxBatch)
  return try openBytes(bytes)
}

/// Opens bytes with the runtime (copied, so the array may go away).
func openBytes(_ bytes: [UInt8], verifyChecksum: Bool = true) throws -> Model {
  try bytes.withUnsafeBytes { raw in
    guard let base = raw.baseAddress else { throw RecLiteError(.invalidArgument, "empty") }
    return try Model.open(buffer: base, length: raw.count, copy: true, verifyChecksum: verifyChecksum)
  }
}

/// The runtime's error for bytes that must be rejected, or nil if they open.
func rejection(_ bytes: [UInt8], verifyChecksum: Bool = true) -> RecLiteError? {
  do {
    _ = try openBytes(bytes, verifyChecksum: verifyChecksum)
    return nil
  } catch let error as RecLiteError {
    return error
  } catch {
    return RecLiteError(.internalError, "unexpected error type")
  }
}

/// Items ranked by a reference scorer: best first, ties by smaller id.
func referenceRanking(_ items: [Int64], _ score: (Int64) -> Float) -> [(id: Int64, score: Float)] {
  let scored: [(id: Int64, score: Float)] = items.map { ($0, score($0)) }
  return scored.sorted { a, b in a.score != b.score ? a.score > b.score : a.id < b.id }
}

/// A two-tower model in the shape the exporter writes — score = ⟨u, V[item]⟩ (+ ⟨p, Q[item]⟩)
/// + b[item] + c[user], then a sigmoid — which the runtime scores from its packed catalog.
/// 37 items: four full blocks of 8 and a partial one.
struct LinearTwoTowerFixture {
  let users: [Int64] = [3, 5, 8]
  let items: [Int64] = (0..<37).map { 1000 + 7 * Int64($0) }
  let d = 12
  let f = 5
  var userTable: [[Float]]
  var itemTable: [[Float]]
  var userFactors: [[Float]]
  var itemFactors: [[Float]]
  var itemBias: [[Float]]
  var userBias: [[Float]]
  var encoding: TableEncoding
  /// A second dot product (like a fused ALS term): the catalog is then packed as float32.
  var twoTerms: Bool
  /// Item row 6 pruned through a row remap (reads as zeros).
  var pruned: Bool

  init(seed: UInt64 = 31, encoding: TableEncoding = .float32, twoTerms: Bool = false, pruned: Bool = false) {
    var random = TestRandom(state: seed)
    userTable = random.matrix(4, d)
    itemTable = random.matrix(38, d)
    userFactors = random.matrix(4, f)
    itemFactors = random.matrix(38, f)
    itemBias = random.matrix(38, 1)
    userBias = random.matrix(4, 1)
    self.encoding = encoding
    self.twoTerms = twoTerms
    self.pruned = pruned
    if pruned { itemTable[6] = [Float](repeating: 0, count: d) }
  }

  func builder() -> ModelBuilder {
    let m = ModelBuilder(description: "linear two-tower fixture")
    let user = m.feature("user", kind: .user, vocabulary: users)
    let item = m.feature("item", kind: .item, vocabulary: items)
    let u = m.embeddingLookup("u", table: m.constant("user_table", floats: flat(userTable), shape: [4, d]), ids: user)
    let vTable: TensorRef
    if pruned {
      vTable = encoding.constant(m, "item_table", itemTable.enumerated().filter { $0.offset != 6 }.map(\.element))
      let remap: [Int32] = (0..<38).map { (row: Int) -> Int32 in row == 6 ? -1 : Int32(row < 6 ? row : row - 1) }
      m.setRowRemap(vTable, remap)
    } else {
      vTable = encoding.constant(m, "item_table", itemTable)
    }
    var logit = m.dot("dot", u, m.embeddingLookup("v", table: vTable, ids: item))
    if twoTerms {
      let p = m.embeddingLookup("p", table: m.constant("user_factors", floats: flat(userFactors), shape: [4, f]), ids: user)
      let q = m.embeddingLookup("q", table: encoding.constant(m, "item_factors", itemFactors), ids: item)
      logit = m.add("two_dots", logit, m.dot("als", p, q))
    }
    let b = m.embeddingLookup("b", table: m.constant("item_bias", floats: flat(itemBias), shape: [38, 1]), ids: item)
    let c = m.embeddingLookup("c", table: m.constant("user_bias", floats: flat(userBias), shape: [4, 1]), ids: user)
    m.outputs(scores: m.sigmoid("p", m.add("logit", m.add("with_item_bias", logit, b), c)))
    m.catalog(item: item, titles: nil, popularity: [5, 2, 30])
    return m
  }

  /// The logit computed the straightforward way (decoded tables, plain loops).
  func score(user: Int64, item: Int64) -> Float {
    let userRow = users.firstIndex(of: user) ?? users.count
    let itemRow = items.firstIndex(of: item) ?? items.count
    var value = dotProduct(userTable[userRow], decodedItems[itemRow]) + itemBias[itemRow][0] + userBias[userRow][0]
    if twoTerms { value += dotProduct(userFactors[userRow], encoding.decoded(itemFactors)[itemRow]) }
    return value
  }

  private var decodedItems: [[Float]] {
    guard pruned else { return encoding.decoded(itemTable) }
    var rows = encoding.decoded(itemTable.enumerated().filter { $0.offset != 6 }.map(\.element))
    rows.insert([Float](repeating: 0, count: d), at: 6)
    return rows
  }
}

/// The DeepFM student's exported shape with its item side precomputed: per candidate
/// W3·relu(W2·relu(a_u + P[item]) + b2) + b3 + ⟨v_u, S[item]⟩ + C[item] + w_u, with
/// a_u = W1·E_user[u]; the runtime runs it as a head fused into the catalog scan.
struct HeadFixture {
  let users: [Int64] = [2, 4, 6, 9]
  let items: [Int64] = (0..<45).map { 50 + 3 * Int64($0) }
  let d = 6
  let h1 = 12
  let h2 = 7
  var userTable: [[Float]], w1: [[Float]], pTable: [[Float]], w2: [[Float]], b2: [Float], w3: [[Float]], b3: [Float]
  var sTable: [[Float]], cTable: [[Float]], userLinear: [[Float]]
  var encoding: TableEncoding

  init(seed: UInt64 = 41, encoding: TableEncoding = .float32) {
    var random = TestRandom(state: seed)
    userTable = random.matrix(5, d)
    w1 = random.matrix(h1, d)
    pTable = random.matrix(46, h1)
    w2 = random.matrix(h2, h1)
    b2 = random.matrix(1, h2)[0]
    w3 = random.matrix(1, h2)
    b3 = [0.1]
    sTable = random.matrix(46, d)
    cTable = random.matrix(46, 1)
    userLinear = random.matrix(5, 1)
    self.encoding = encoding
  }

  func builder() -> ModelBuilder {
    let m = ModelBuilder(description: "DeepFM head fixture")
    let user = m.feature("user", kind: .user, vocabulary: users)
    let item = m.feature("item", kind: .item, vocabulary: items)
    let v = m.embeddingLookup("v", table: m.constant("user_table", floats: flat(userTable), shape: [5, d]), ids: user)
    let a = m.dense("a", v, weight: m.constant("w1", floats: flat(w1), shape: [h1, d]), bias: nil)
    let p = m.embeddingLookup("p", table: encoding.constant(m, "p_table", pTable), ids: item)
    let x = m.add("x", a, p, activation: .relu)
    let h = m.dense("h", x, weight: m.constant("w2", floats: flat(w2), shape: [h2, h1]), bias: m.constant("b2", floats: b2, shape: [h2]), activation: .relu)
    let mlp = m.dense("mlp", h, weight: m.constant("w3", floats: flat(w3), shape: [1, h2]), bias: m.constant("b3", floats: b3, shape: [1]))
    let fm = m.dot("fm", v, m.embeddingLookup("s", table: encoding.constant(m, "s_table", sTable), ids: item))
    let c = m.embeddingLookup("c", table: m.constant("c_table", floats: flat(cTable), shape: [46, 1]), ids: item)
    let w = m.embeddingLookup("w", table: m.constant("user_linear", floats: flat(userLinear), shape: [5, 1]), ids: user)
    let logit = m.add("logit", m.add("mlp_fm", mlp, fm), m.add("bias", c, w))
    m.outputs(scores: m.sigmoid("score", logit))
    m.catalog(item: item, titles: nil, popularity: [3, 1])
    return m
  }

  /// The logit computed the straightforward way.
  func score(user: Int64, item: Int64) -> Float {
    let u = users.firstIndex(of: user) ?? users.count
    let i = items.firstIndex(of: item) ?? items.count
    let v = userTable[u]
    let x = relu(zip(matvec(w1, v, [Float](repeating: 0, count: h1)), encoding.decoded(pTable)[i]).map { $0 + $1 })
    let h = relu(matvec(w2, x, b2))
    return matvec(w3, h, b3)[0] + dotProduct(v, encoding.decoded(sTable)[i]) + cTable[i][0] + userLinear[u][0]
  }
}
