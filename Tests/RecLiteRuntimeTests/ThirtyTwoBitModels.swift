// Model files whose numbers fit a 64-bit Int but not a 32-bit one: indices at
// 2^31, a row index whose successor is 2^31, activations that add up past
// 2 GiB. On a 64-bit host they get their 64-bit outcome (checked here); on
// armv7 they must be rejected with RECLITE_E_BAD_MODEL, never trap. The cross
// tests (mk/cross.mk) run them on the boards under qemu: this suite writes the
// files and a manifest of both outcomes into $RECLITE_CRAFTED_DIR when it is
// set (a temporary directory otherwise), and Tests/C/open_models.c checks them.
//
// Also written: a model that evaluates σ inside the graph, so the board's
// scores exercise a float passed to and returned from libm's expf by value
// (the hard-float calling convention).

import Foundation
import RecLiteRuntime
import Testing
@testable import RecLiteWriter

/// What opening a crafted file must give: a status name and a part of the message ("" for OK).
struct Outcome: Sendable {
  var status: Status
  var message: String

  static let opens = Outcome(status: .ok, message: "")
  static func badModel(_ message: String) -> Outcome { Outcome(status: .badModel, message: message) }
}

/// One crafted file and its outcome where `Int` has 32 and 64 bits.
struct CraftedModel: Sendable {
  var file: String
  var bits32: Outcome
  var bits64: Outcome
  var bytes: @Sendable () throws -> [UInt8]

  /// A file rejected with the same message whatever the width of `Int`.
  static func rejected(_ file: String, _ message: String, bytes: @escaping @Sendable () throws -> [UInt8]) -> CraftedModel {
    CraftedModel(file: file, bits32: .badModel(message), bits64: .badModel(message), bytes: bytes)
  }
}

enum CraftedModels {
  /// user 1…3, item 10/20/30, score = u·v, a catalog.
  static func small() -> ModelBuilder {
    let m = ModelBuilder(description: "32-bit crafted model")
    let user = m.feature("user", kind: .user, vocabulary: [1, 2, 3])
    let item = m.feature("item", kind: .item, vocabulary: [10, 20, 30])
    var random = TestRandom(state: 32)
    let u = m.embeddingLookup("u", table: m.constant("user_table", floats: flat(random.matrix(4, 4)), shape: [4, 4]), ids: user)
    let v = m.embeddingLookup("v", table: m.constant("item_table", floats: flat(random.matrix(4, 4)), shape: [4, 4]), ids: item)
    m.outputs(scores: m.dot("score", u, v))
    m.catalog(item: item, titles: nil, popularity: [0, 1, 2])
    return m
  }

  /// Five per-candidate activations of 2,047 floats (the widest a 32-bit
  /// runtime accepts) at a batch of 65,536, all alive at the last op: 2.5 GiB
  /// of arena, which a 64-bit runtime plans and a 32-bit one cannot address.
  static func activationsPast2GiB() throws -> [UInt8] {
    let m = ModelBuilder(description: "activations past 2 GiB")
    let item = m.feature("item", kind: .item, vocabulary: [10, 20, 30])
    let width = 2047
    let a = m.embeddingLookup("a", table: m.constant("item_table", floats: [Float](repeating: 0.25, count: 4 * width), shape: [4, width]), ids: item)
    let others = ["b", "c", "d", "e"].map { m.add($0, a, a) }
    m.outputs(scores: m.fmInteraction("score", [a] + others))
    m.catalog(item: item, titles: nil, popularity: [])
    return try m.serialize(maxBatch: ModelLoader.maxBatchLimit)
  }

  /// σ computed inside the graph (libm's expf, a float in and out by value):
  /// u = σ(W·E_user[u] + b), v = σ(E_item[i]), score = u·v (no final sigmoid, so RAW scores).
  static func sigmoidInside() throws -> [UInt8] {
    let m = ModelBuilder(description: "sigmoid inside the graph")
    let user = m.feature("user", kind: .user, identityRows: 50)
    let item = m.feature("item", kind: .item, identityRows: 200)
    var random = TestRandom(state: 7)
    let d = 8
    let e = m.embeddingLookup("user_embedding", table: m.constant("user_table", floats: flat(random.matrix(51, d)).map { $0 * 4 }, shape: [51, d]), ids: user)
    let u = m.dense(
      "u", e, weight: m.constant("w", floats: flat(random.matrix(d, d)), shape: [d, d]),
      bias: m.constant("b", floats: random.matrix(1, d)[0], shape: [d]), activation: .sigmoid)
    let itemEmbedding = m.embeddingLookup("item_embedding", table: m.constant("item_table", floats: flat(random.matrix(201, d)).map { $0 * 6 }, shape: [201, d]), ids: item)
    let v = m.sigmoid("v", itemEmbedding)
    m.outputs(scores: m.dot("score", u, v))
    m.catalog(item: item, titles: nil, popularity: (0..<200).map { Int32($0) })
    return try m.serialize()
  }

  static let all: [CraftedModel] = [
    CraftedModel(
      file: "activations-past-2gib.rlm",
      bits32: .badModel("memory plan: tensor 5 (c) of 536608768 bytes at offset 1073217536 ends past the largest arena this library can address (1073741823 bytes)"),
      bits64: .opens, bytes: activationsPast2GiB),
    .rejected("buffer-index-2pow31.rlm", "(user_table): buffer 2147483648 out of range") {
      let m = small()
      let t = m.tensors.firstIndex { $0.name == "user_table" }!
      m.tensors[t].buffer = 1 << 31
      return m.serializeUnchecked()
    },
    .rejected("catalog-feature-2pow31.rlm", "catalog: feature 2147483648 is not the item feature") {
      let m = small()
      m.catalog?.feature = 1 << 31
      return m.serializeUnchecked()
    },
    .rejected("max-batch-2pow31.rlm", "memory plan: batch 2147483648 outside 1–65536") {
      small().serializeUnchecked(maxBatch: 1 << 31)
    },
    .rejected("oov-row-2pow31-1.rlm", "feature 0 (user): out-of-vocabulary row 2147483647 is not below 2147483647") {
      let m = small()
      m.features[0].oovRow = Int(Int32.max)
      return m.serializeUnchecked()
    },
    CraftedModel(file: "sigmoid-inside.rlm", bits32: .opens, bits64: .opens, bytes: sigmoidInside),
  ]
}

@Suite struct ThirtyTwoBitModels {
  /// Writes every crafted model and the manifest the C program reads
  /// (file, then status and message on 32-bit, then on 64-bit, tab-separated),
  /// and checks each file's 64-bit outcome by opening it from disk.
  @Test func craftedModelsAreWrittenAndGetTheir64BitOutcome() throws {
    #expect(Int.bitWidth == 64, "this suite states the 64-bit outcomes; the 32-bit ones run under qemu-arm")
    let directory = ProcessInfo.processInfo.environment["RECLITE_CRAFTED_DIR"].map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("reclite-crafted-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var manifest = ""
    for crafted in CraftedModels.all {
      let url = directory.appendingPathComponent(crafted.file)
      try Data(crafted.bytes()).write(to: url)
      for outcome in [crafted.bits32, crafted.bits64] {
        #expect(!outcome.message.contains("\t") && !outcome.message.contains("\n"))
      }
      manifest += [crafted.file, crafted.bits32.status.nameString, crafted.bits32.message,
                   crafted.bits64.status.nameString, crafted.bits64.message].joined(separator: "\t") + "\n"
      let failure = url.path.withCString { path -> RecLiteError? in
        do throws(RecLiteError) {
          _ = try Model.open(path: path)
          return nil
        } catch {
          return error
        }
      }
      if let failure {
        #expect(failure.status == crafted.bits64.status, "\(crafted.file): \(failure.message)")
        #expect(failure.message.description.contains(crafted.bits64.message), "\(crafted.file): \(failure.message)")
      } else {
        #expect(crafted.bits64.status == .ok, "\(crafted.file) opened; expected \(crafted.bits64.status.nameString)")
      }
    }
    try manifest.write(to: directory.appendingPathComponent("manifest.tsv"), atomically: true, encoding: .utf8)
  }
}

/// The planner's and the arena's arithmetic at their limit, on the host: the same checks
/// that keep a 32-bit runtime from overflowing, with sizes near `maxArenaBytes`.
@Suite struct ArenaLimits {
  let limit = MemoryPlanner.maxArenaBytes

  @Test func aRequestLargerThanTheLimitIsNamed() {
    let requests = [PlanRequest(size: 64, firstUse: 0, lastUse: 1), PlanRequest(size: Int.max, firstUse: 0, lastUse: 1)]
    #expect(throws: MemoryPlanner.Overflow.self) { try MemoryPlanner.plan(requests) }
    do {
      _ = try MemoryPlanner.plan(requests)
    } catch {
      #expect(error.index == 1 && error.size == Int.max)
    }
  }

  @Test func liveBuffersThatAddUpPastTheLimitAreNamed() throws {
    let half = limit / 2 + 1
    let overlapping = [PlanRequest(size: half, firstUse: 0, lastUse: 2), PlanRequest(size: half, firstUse: 1, lastUse: 3)]
    do {
      _ = try MemoryPlanner.plan(overlapping)
      Issue.record("two live buffers of \(half) bytes were planned under \(limit)")
    } catch {
      #expect(error.index == 1 && error.offset == MemoryPlanner.alignUp(half) && error.size == half)
    }
    // The same buffers one after the other share the space.
    let sequential = [PlanRequest(size: half, firstUse: 0, lastUse: 1), PlanRequest(size: half, firstUse: 2, lastUse: 3)]
    let plan = try MemoryPlanner.plan(sequential)
    #expect(plan.offsets == [0, 0] && plan.totalBytes == MemoryPlanner.alignUp(half))
  }

  @Test func theArenaIsCheckedAgainstTheLimitAndOverflow() {
    // 100 bytes of activations (128 aligned), 9 items (2 bitmap bytes, 64 aligned), 63 of slack.
    #expect(ModelGraph.arenaBytes(plannedBytes: 100, items: 9) == 255)
    #expect(ModelGraph.arenaBytes(plannedBytes: 100, items: 9, limit: 255) == 255)
    #expect(ModelGraph.arenaBytes(plannedBytes: 100, items: 9, limit: 254) == nil)
    #expect(ModelGraph.arenaBytes(plannedBytes: 0, items: 0) == 63)
    #expect(ModelGraph.arenaBytes(plannedBytes: Int.max - 10, items: 0, limit: .max) == nil)
    #expect(ModelGraph.arenaBytes(plannedBytes: Int.max - 200, items: Int.max, limit: .max) == nil)
    #expect(ModelGraph.arenaBytes(plannedBytes: limit - 126, items: 0) == limit)
    #expect(ModelGraph.arenaBytes(plannedBytes: limit - 62, items: 0) == nil)
    #expect(ModelGraph.arenaBytes(plannedBytes: -1, items: 0) == nil)
  }
}

extension Status {
  var nameString: String { name.description }
}
