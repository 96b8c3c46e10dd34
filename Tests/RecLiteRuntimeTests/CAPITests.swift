// The C API (include/reclite.h) called as C callers call it: statuses,
// messages, ownership and every kind of impossible argument.

import CRecLite
import Foundation
import RecLiteRuntime
import Testing
@testable import RecLiteWriter

/// A model file on disk for the duration of a test.
final class ModelFile {
  let url: URL

  init(_ builder: ModelBuilder, maxBatch: Int = 256) throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-test-\(UUID().uuidString).rlm")
    try builder.write(to: url, maxBatch: maxBatch)
  }

  deinit { try? FileManager.default.removeItem(at: url) }
}

func lastError() -> String { String(cString: reclite_last_error()) }

/// An open model and session over the two-tower fixture, closed on deinit.
final class Handles {
  var model: OpaquePointer?
  var session: OpaquePointer?
  let file: ModelFile

  init(_ builder: ModelBuilder = TwoTowerFixture().builder()) throws {
    file = try ModelFile(builder)
    guard reclite_model_open(file.url.path, &model) == RECLITE_OK else { throw ModelWriterError(lastError()) }
    guard reclite_session_create(model, nil, 0, &session) == RECLITE_OK else { throw ModelWriterError(lastError()) }
  }

  deinit {
    reclite_session_close(session)
    reclite_model_close(model)
  }

  var sessionError: String { String(cString: reclite_session_last_error(session)) }
}

func request(_ user: Int64) -> reclite_request {
  reclite_request(struct_size: UInt32(MemoryLayout<reclite_request>.size), flags: 0, user_id: user, context: nil, context_count: 0)
}

@Suite struct CAPITests {
  @Test func versionsAndStatusNames() {
    #expect(String(cString: reclite_version()) == RECLITE_VERSION_STRING)
    #expect(reclite_version_number() == UInt32(RECLITE_VERSION_MAJOR * 10000 + RECLITE_VERSION_MINOR * 100 + RECLITE_VERSION_PATCH))
    #expect(reclite_abi_version() == UInt32(RECLITE_ABI_VERSION))
    #expect(String(cString: reclite_status_name(RECLITE_E_BAD_MODEL)) == "RECLITE_E_BAD_MODEL")
    #expect(String(cString: reclite_status_name(RECLITE_OK)) == "RECLITE_OK")
    #expect(String(cString: reclite_status_name(reclite_status(rawValue: 12345))) == "RECLITE_E_UNKNOWN")
  }

  @Test func contextValueLayoutMatchesTheHeader() {
    #expect(MemoryLayout<ContextValue>.size == MemoryLayout<reclite_context_value>.size)
    #expect(MemoryLayout<ContextValue>.stride == MemoryLayout<reclite_context_value>.stride)
    #expect(MemoryLayout<ContextValue>.offset(of: \.value) == MemoryLayout<reclite_context_value>.offset(of: \.value))
    #expect(MemoryLayout<ContextValue>.offset(of: \.feature) == MemoryLayout<reclite_context_value>.offset(of: \.feature))
  }

  @Test func closingNullIsANoOp() {
    reclite_model_close(nil)
    reclite_session_close(nil)
    #expect(reclite_model_arena_size(nil) == 0)
    #expect(String(cString: reclite_session_last_error(nil)) == "")
  }

  @Test func openingAMissingFileIsAnIOError() {
    var model: OpaquePointer?
    #expect(reclite_model_open("/nonexistent/dir/model.rlm", &model) == RECLITE_E_IO)
    #expect(model == nil)
    #expect(lastError().contains("cannot open /nonexistent/dir/model.rlm: No such file or directory"))
    #expect(reclite_model_open("/tmp", &model) == RECLITE_E_IO)
    #expect(reclite_model_open(nil, &model) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_model_open("/tmp/x.rlm", nil) == RECLITE_E_INVALID_ARGUMENT)
  }

  @Test func openingABadFileReportsTheFirstProblem() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-bad-\(UUID().uuidString).rlm")
    try Data("this is not a model at all".utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    var model: OpaquePointer?
    #expect(reclite_model_open(url.path, &model) == RECLITE_E_BAD_MODEL)
    #expect(lastError().contains("not a RecLite model"))
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("reclite-empty-\(UUID().uuidString).rlm")
    try Data().write(to: empty)
    defer { try? FileManager.default.removeItem(at: empty) }
    #expect(reclite_model_open(empty.path, &model) == RECLITE_E_BAD_MODEL)
    #expect(lastError().contains("too short"))
  }

  @Test func openBufferBorrowsAlignedBytesAndCopiesOthers() throws {
    let bytes = try TwoTowerFixture().builder().serialize()
    let aligned = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 64, alignment: 64)
    defer { aligned.deallocate() }
    aligned.copyMemory(from: bytes, byteCount: bytes.count)
    var model: OpaquePointer?
    #expect(reclite_model_open_buffer(aligned, bytes.count, UInt32(RECLITE_OPEN_BORROW), &model) == RECLITE_OK)
    reclite_model_close(model)
    model = nil
    // One byte off: borrowing is refused with advice, copying works.
    (aligned + 1).copyMemory(from: bytes, byteCount: bytes.count)
    #expect(reclite_model_open_buffer(aligned + 1, bytes.count, 0, &model) == RECLITE_E_INVALID_ARGUMENT)
    #expect(lastError().contains("RECLITE_OPEN_COPY"))
    #expect(reclite_model_open_buffer(aligned + 1, bytes.count, UInt32(RECLITE_OPEN_COPY), &model) == RECLITE_OK)
    reclite_model_close(model)
    #expect(reclite_model_open_buffer(aligned, bytes.count, 0x80, &model) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_model_open_buffer(nil, 10, 0, &model) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_model_open_buffer(aligned, Int(bitPattern: UInt.max), 0, &model) == RECLITE_E_INVALID_ARGUMENT)
    #expect(lastError().contains("larger than any buffer"))
  }

  @Test func modelInfoHonoursStructSize() throws {
    let h = try Handles()
    var info = reclite_model_info()
    info.struct_size = UInt32(MemoryLayout<reclite_model_info>.size)
    #expect(reclite_model_get_info(h.model, &info) == RECLITE_OK)
    #expect(info.catalog_size == 7)
    #expect(info.user_count == 3)
    #expect(info.feature_count == 3)
    #expect(info.arena_bytes == UInt64(reclite_model_arena_size(h.model)))
    #expect(info.file_bytes == UInt64(try Data(contentsOf: h.file.url).count))
    #expect(String(cString: info.description) == "two-tower test fixture")
    #expect(info.score_kind == RECLITE_SCORE_LOGIT.rawValue)
    #expect(info.metadata_count == 2)
    info.struct_size = 8
    #expect(reclite_model_get_info(h.model, &info) == RECLITE_E_STRUCT_SIZE)
    #expect(lastError().contains("RECLITE_MODEL_INFO_INIT"))
    #expect(reclite_model_get_info(nil, &info) == RECLITE_E_INVALID_ARGUMENT)
  }

  /// An older caller's struct (version 1: up to `description`) gets those fields and nothing
  /// past them; a newer caller's (trailing fields this library does not know) keeps its extras.
  @Test func modelInfoGrowsWithoutBreakingOlderOrNewerCallers() throws {
    let h = try Handles()
    let full = MemoryLayout<reclite_model_info>.size
    let v1 = MemoryLayout<reclite_model_info>.offset(of: \.description)! + MemoryLayout<UnsafePointer<CChar>>.size
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: full + 16, alignment: 16)
    defer { buffer.deallocate() }
    for size in [v1, full + 16] {
      buffer.initializeMemory(as: UInt8.self, repeating: 0xA5, count: full + 16)
      buffer.storeBytes(of: UInt32(size), as: UInt32.self)
      #expect(reclite_model_get_info(h.model, buffer.assumingMemoryBound(to: reclite_model_info.self)) == RECLITE_OK)
      let info = buffer.load(as: reclite_model_info.self)
      #expect(info.catalog_size == 7 && String(cString: info.description) == "two-tower test fixture")
      let untouched = (min(size, full)..<(full + 16)).allSatisfy { buffer.load(fromByteOffset: $0, as: UInt8.self) == 0xA5 }
      #expect(untouched, "struct_size \(size): bytes past it (or past the fields this library knows) were written")
      if size == full + 16 { #expect(info.score_kind == RECLITE_SCORE_LOGIT.rawValue) }
    }
    buffer.storeBytes(of: UInt32(v1 - 1), as: UInt32.self)
    #expect(reclite_model_get_info(h.model, buffer.assumingMemoryBound(to: reclite_model_info.self)) == RECLITE_E_STRUCT_SIZE)
  }

  @Test func featuresAndMetadataAreListedByIndex() throws {
    let h = try Handles()
    var names: [String] = []
    var kinds: [UInt32] = []
    for index in 0..<3 as Range<UInt32> {
      var feature = reclite_feature_info()
      feature.struct_size = UInt32(MemoryLayout<reclite_feature_info>.size)
      #expect(reclite_model_get_feature(h.model, index, &feature) == RECLITE_OK)
      names.append(String(cString: feature.name))
      kinds.append(feature.kind)
      if index == 2 { #expect(feature.value_count == 24) }
    }
    #expect(names == ["user", "item", "hour"])
    #expect(kinds == [RECLITE_FEATURE_USER.rawValue, RECLITE_FEATURE_ITEM.rawValue, RECLITE_FEATURE_CONTEXT.rawValue])
    var feature = reclite_feature_info()
    feature.struct_size = UInt32(MemoryLayout<reclite_feature_info>.size)
    #expect(reclite_model_get_feature(h.model, 3, &feature) == RECLITE_E_INVALID_ARGUMENT)
    #expect(lastError() == "feature 3 out of range (the model has 3)")
    feature.struct_size = 4
    #expect(reclite_model_get_feature(h.model, 0, &feature) == RECLITE_E_STRUCT_SIZE)

    var entries: [String: String] = [:]
    for index in 0..<2 as Range<UInt32> {
      var key: UnsafePointer<CChar>?
      var value: UnsafePointer<CChar>?
      #expect(reclite_model_get_metadata(h.model, index, &key, &value) == RECLITE_OK)
      entries[String(cString: key!)] = String(cString: value!)
    }
    #expect(entries == ["producer": "RecLite tests", "teacher.ndcg@10": "0.0612"])
    var key: UnsafePointer<CChar>?
    var value: UnsafePointer<CChar>?
    #expect(reclite_model_get_metadata(h.model, 2, &key, &value) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_model_get_metadata(h.model, 0, nil, &value) == RECLITE_E_INVALID_ARGUMENT)
  }

  @Test func featuresTitlesAndMetadataByName() throws {
    let h = try Handles()
    var index: UInt32 = 99
    #expect(reclite_model_find_feature(h.model, "hour", &index) == RECLITE_OK)
    #expect(index == 2)
    #expect(reclite_model_find_feature(h.model, "weekday", &index) == RECLITE_E_INVALID_ARGUMENT)
    #expect(lastError() == "no feature named \"weekday\"; the model has: user item hour")
    #expect(String(cString: reclite_model_item_title(h.model, 500)) == "Epsilon")
    #expect(reclite_model_item_title(h.model, 501) == nil)
    #expect(String(cString: reclite_model_metadata(h.model, "producer")) == "RecLite tests")
    #expect(reclite_model_metadata(h.model, "absent") == nil)
    #expect(reclite_model_metadata(h.model, nil) == nil)
  }

  @Test func callerArenasMustBeLargeEnoughAndMayBeUnaligned() throws {
    let h = try Handles()
    let needed = reclite_model_arena_size(h.model)
    #expect(needed > 0)
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: needed + 1, alignment: 64)
    defer { buffer.deallocate() }
    var session: OpaquePointer?
    #expect(reclite_session_create(h.model, buffer, needed - 1, &session) == RECLITE_E_ARENA_TOO_SMALL)
    #expect(lastError() == "arena too small: needs \(needed) bytes, got \(needed - 1)")
    #expect(reclite_session_create(h.model, nil, 100, &session) == RECLITE_E_INVALID_ARGUMENT)
    // An exact-size arena at an odd address works and gives the same scores.
    #expect(reclite_session_create(h.model, buffer + 1, needed, &session) == RECLITE_OK)
    defer { reclite_session_close(session) }
    var r = request(20)
    var items: [Int64] = [100, 200, 300, 999]
    var a = [Float](repeating: 0, count: 4)
    var b = [Float](repeating: 0, count: 4)
    #expect(reclite_score(session, &r, &items, 4, &a) == RECLITE_OK)
    #expect(reclite_score(h.session, &r, &items, 4, &b) == RECLITE_OK)
    #expect(a == b)
  }

  @Test func sessionsKeepTheirModelAlive() throws {
    let file = try ModelFile(TwoTowerFixture().builder())
    var model: OpaquePointer?
    #expect(reclite_model_open(file.url.path, &model) == RECLITE_OK)
    var session: OpaquePointer?
    #expect(reclite_session_create(model, nil, 0, &session) == RECLITE_OK)
    reclite_model_close(model)
    var r = request(10)
    var ids = [Int64](repeating: 0, count: 3)
    var n = 0
    #expect(reclite_recommend(session, &r, 3, nil, 0, &ids, nil, &n) == RECLITE_OK)
    #expect(n == 3)
    reclite_session_close(session)
  }

  @Test func impossibleScoreArgumentsAreRejected() throws {
    let h = try Handles()
    var r = request(10)
    var items: [Int64] = [100, 200]
    var scores = [Float](repeating: 0, count: 2)
    #expect(reclite_score(nil, &r, &items, 2, &scores) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_score(h.session, nil, &items, 2, &scores) == RECLITE_E_INVALID_ARGUMENT)
    #expect(h.sessionError == "request must not be NULL")
    #expect(reclite_score(h.session, &r, nil, 2, &scores) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_score(h.session, &r, &items, 2, nil) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_score(h.session, &r, nil, 0, nil) == RECLITE_OK)
    // A negative count cast to size_t, and a huge one.
    #expect(reclite_score(h.session, &r, &items, Int(bitPattern: UInt(bitPattern: -1)), &scores) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_score(h.session, &r, &items, Int(Int32.max) + 1, &scores) == RECLITE_E_INVALID_ARGUMENT)
    #expect(h.sessionError.contains("item count"))
    var old = r
    old.struct_size = 8
    #expect(reclite_score(h.session, &old, &items, 2, &scores) == RECLITE_E_STRUCT_SIZE)
    #expect(h.sessionError.contains("RECLITE_REQUEST_INIT"))
    var flagged = r
    flagged.flags = 0x40
    #expect(reclite_score(h.session, &flagged, &items, 2, &scores) == RECLITE_E_INVALID_ARGUMENT)
  }

  @Test func contextValuesAreChecked() throws {
    let h = try Handles()
    let fixture = TwoTowerFixture()
    var items: [Int64] = [100, 300]
    var scores = [Float](repeating: 0, count: 2)
    var hour = reclite_context_value(feature: 2, value: 13)
    var r = request(20)
    withUnsafePointer(to: &hour) { r.context = $0; r.context_count = 1
      #expect(reclite_score(h.session, &r, &items, 2, &scores) == RECLITE_OK)
    }
    #expect(close(scores[1], fixture.score(user: 20, hour: 13, item: 300)))
    var user = reclite_context_value(feature: 0, value: 13)
    withUnsafePointer(to: &user) { r.context = $0; r.context_count = 1
      #expect(reclite_score(h.session, &r, &items, 2, &scores) == RECLITE_E_INVALID_ARGUMENT)
    }
    #expect(h.sessionError.contains("not a context feature"))
    r.context = nil
    r.context_count = 3
    #expect(reclite_score(h.session, &r, &items, 2, &scores) == RECLITE_E_INVALID_ARGUMENT)
  }

  @Test func impossibleRecommendArgumentsAreRejected() throws {
    let h = try Handles()
    var r = request(10)
    var ids = [Int64](repeating: 0, count: 10)
    var scores = [Float](repeating: 0, count: 10)
    var n = 0
    #expect(reclite_recommend(h.session, &r, 0, nil, 0, &ids, &scores, &n) == RECLITE_E_INVALID_ARGUMENT)
    #expect(h.sessionError == "k must be at least 1")
    #expect(reclite_recommend(h.session, &r, 3, nil, 0, nil, &scores, &n) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_recommend(h.session, &r, 3, nil, 0, &ids, &scores, nil) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_recommend(h.session, &r, 3, nil, 5, &ids, &scores, &n) == RECLITE_E_INVALID_ARGUMENT)
    var exclude: [Int64] = [1]
    #expect(reclite_recommend(h.session, &r, 3, &exclude, Int(bitPattern: UInt.max), &ids, &scores, &n) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_recommend(nil, &r, 3, nil, 0, &ids, &scores, &n) == RECLITE_E_INVALID_ARGUMENT)
  }

  @Test func kLargerThanTheCatalogReturnsTheWholeCatalog() throws {
    let h = try Handles()
    var r = request(30)
    var ids = [Int64](repeating: 0, count: 50)
    var n = 0
    #expect(reclite_recommend(h.session, &r, 50, nil, 0, &ids, nil, &n) == RECLITE_OK)
    #expect(n == 7)
    #expect(Set(ids.prefix(n)) == Set(TwoTowerFixture().items))
    // A k beyond any array (size_t max) is the same request; only 7 slots are written.
    #expect(reclite_recommend(h.session, &r, Int(bitPattern: UInt.max), nil, 0, &ids, nil, &n) == RECLITE_OK)
    #expect(n == 7)
  }

  @Test func unknownIdsAreNotErrors() throws {
    let h = try Handles()
    let fixture = TwoTowerFixture()
    var r = request(-424242)
    var items: [Int64] = [Int64.min, 0, Int64.max, 200]
    var scores = [Float](repeating: 0, count: 4)
    #expect(reclite_score(h.session, &r, &items, 4, &scores) == RECLITE_OK)
    #expect(close(scores[0], fixture.score(user: -1, item: -1)))
    #expect(close(scores[3], fixture.score(user: -1, item: 200)))
    var exclude: [Int64] = [Int64.min, 123456789]
    var ids = [Int64](repeating: 0, count: 3)
    var n = 0
    #expect(reclite_recommend(h.session, &r, 3, &exclude, 2, &ids, nil, &n) == RECLITE_OK)
    #expect(ids == [400, 100, 600])  // popularity fallback for the unknown user
  }

  @Test func batchScoringMatchesOneRequestAtATime() throws {
    let h = try Handles()
    var requests = [request(10), request(20), request(31)]
    var items: [Int64] = [100, 700, 404]
    var batch = [Float](repeating: 0, count: 9)
    #expect(reclite_score_batch(h.session, &requests, 3, &items, 3, &batch) == RECLITE_OK)
    for (i, var r) in requests.enumerated() {
      var single = [Float](repeating: 0, count: 3)
      #expect(reclite_score(h.session, &r, &items, 3, &single) == RECLITE_OK)
      #expect(Array(batch[(i * 3)..<(i * 3 + 3)]) == single)
    }
    #expect(reclite_score_batch(h.session, nil, 2, &items, 3, &batch) == RECLITE_E_INVALID_ARGUMENT)
    #expect(reclite_score_batch(h.session, &requests, Int(Int32.max) + 1, &items, 3, &batch) == RECLITE_E_INVALID_ARGUMENT)
    #expect(h.sessionError.contains("request count"))
    #expect(reclite_score_batch(h.session, &requests, 0, nil, 0, nil) == RECLITE_OK)
  }

  @Test func batchScoringChecksEveryRequestBeforeWritingAnyScore() throws {
    let h = try Handles()
    var notContext = reclite_context_value(feature: 0, value: 1)
    var items: [Int64] = [100, 700]
    var batch = [Float](repeating: -7, count: 6)
    withUnsafePointer(to: &notContext) { bad in
      var requests = [request(10), request(20), request(30)]
      requests[2].context = bad
      requests[2].context_count = 1
      #expect(reclite_score_batch(h.session, &requests, 3, &items, 2, &batch) == RECLITE_E_INVALID_ARGUMENT)
      #expect(h.sessionError.hasPrefix("request 2: context value 0 names feature 0"))
      var undersized = [request(10), request(20)]
      undersized[1].struct_size = 8
      #expect(reclite_score_batch(h.session, &undersized, 2, &items, 2, &batch) == RECLITE_E_STRUCT_SIZE)
      #expect(h.sessionError.hasPrefix("request 1: reclite_request.struct_size is 8"))
    }
    #expect(batch == [Float](repeating: -7, count: 6), "a failed batch wrote scores")
  }

  @Test func aModelWithoutACatalogCanOnlyScore() throws {
    let m = ModelBuilder()
    let user = m.feature("user", kind: .user, vocabulary: [1])
    let item = m.feature("item", kind: .item, vocabulary: [1, 2])
    let u = m.embeddingLookup("u", table: m.constant("ut", floats: [1, 2], shape: [2, 1]), ids: user)
    let v = m.embeddingLookup("v", table: m.constant("vt", floats: [1, 2, 3], shape: [3, 1]), ids: item)
    m.outputs(scores: m.dot("s", u, v), recommend: false)
    let h = try Handles(m)
    var r = request(1)
    var ids = [Int64](repeating: 0, count: 2)
    var n = 0
    #expect(reclite_recommend(h.session, &r, 2, nil, 0, &ids, nil, &n) == RECLITE_E_UNSUPPORTED)
    var items: [Int64] = [2]
    var score: Float = 0
    #expect(reclite_score(h.session, &r, &items, 1, &score) == RECLITE_OK)
    #expect(score == 2)
  }
}
