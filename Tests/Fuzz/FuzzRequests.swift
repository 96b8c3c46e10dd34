// libFuzzer entry point: any bytes as a sequence of requests, through the C
// API, against real exported models (RECLITE_FUZZ_MODELS: paths separated by
// ':', written by `make fuzz`). The bytes choose the model, the user (known,
// unknown, extreme), flags, struct sizes, context values (valid or naming the
// wrong feature), candidate lists, k, and exclusion lists (duplicates,
// unknown ids, the whole catalog).
//
// What must hold, or the target stops with the reason:
//  - an impossible request gets the documented status, a message, and its
//    outputs are left untouched; a possible one succeeds;
//  - every score is finite; scoring a candidate alone gives the same score as
//    scoring it among others (in any chunk of the batch);
//  - recommend returns min(k, eligible) distinct catalog items, none of them
//    excluded, with the scores reclite_score gives them, in the order of a
//    sort of every eligible item's score (ties by smaller id) — or, for an
//    unknown user with the popularity fallback, in popularity order;
//  - score_batch gives each request's reclite_score results.
//
// Built with AddressSanitizer against the runtime and C API modules (mk/reliability.mk).

import CRecLite
import CRecLiteFormat
import RecLiteRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// A model under test and what the fuzzer needs to know about it.
struct Subject {
  let model: OpaquePointer
  let session: OpaquePointer
  /// Raw ids of the catalog, in row order (ascending), and popularity order.
  let catalog: [Int64]
  let popular: [Int64]
  let knownUsers: [Int64]
  let contextFeatures: [UInt32]
  let featureCount: UInt32
}

nonisolated(unsafe) var subjects: [Subject] = []

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
  guard let list = getenv("RECLITE_FUZZ_MODELS") else {
    fputs("set RECLITE_FUZZ_MODELS to the models to fuzz requests against (paths separated by ':')\n", stderr)
    exit(2)
  }
  for path in String(cString: list).split(separator: ":") {
    var model: OpaquePointer?
    var session: OpaquePointer?
    guard reclite_model_open(String(path), &model) == RECLITE_OK, let model,
      reclite_session_create(model, nil, 0, &session) == RECLITE_OK, let session
    else {
      fputs("cannot open \(path): \(String(cString: reclite_last_error()))\n", stderr)
      exit(2)
    }
    subjects.append(describe(model, session))
  }
  guard !subjects.isEmpty else { exit(2) }
  return 0
}

/// Reads the model's catalog, popularity, users and context features from the runtime.
func describe(_ handle: OpaquePointer, _ session: OpaquePointer) -> Subject {
  // A reclite_model handle is the runtime's Model (white-box: the fuzzer reads what the C API does not say).
  let model = Unmanaged<Model>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
  guard let catalog = model.graph.catalog, model.graph.userFeature >= 0 else {
    fatalError("the request fuzzer needs models with users and a catalog")
  }
  let items = model.graph.features[catalog.feature]
  let users = model.graph.features[model.graph.userFeature]
  let popularity = catalog.popularity.map { p in (0..<catalog.popularityCount).map { Int(p[$0]) } } ?? []
  var contextFeatures: [UInt32] = []
  for (index, feature) in model.graph.features.enumerated() where feature.kind == .context {
    contextFeatures.append(UInt32(index))
  }
  return Subject(
    model: handle, session: session,
    catalog: (0..<items.rowCount).map { items.value(ofRow: $0) },
    popular: popularity.map { items.value(ofRow: $0) },
    knownUsers: (0..<users.rowCount).map { users.value(ofRow: $0) },
    contextFeatures: contextFeatures, featureCount: UInt32(model.graph.features.count))
}

/// The fuzzer's bytes as a stream of choices (zeros once exhausted).
struct Choices {
  let bytes: UnsafeBufferPointer<UInt8>
  var at = 0

  mutating func byte() -> UInt8 {
    defer { at += 1 }
    return at < bytes.count ? bytes[at] : 0
  }

  mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(UInt16(byte()) << 8 | UInt16(byte())) % n }

  mutating func int64() -> Int64 {
    var value: UInt64 = 0
    for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
    return Int64(bitPattern: value)
  }

  /// A raw id: one the model knows (often), an unknown or extreme one (sometimes).
  mutating func id(from known: [Int64]) -> Int64 {
    switch byte() % 8 {
    case 0: return int64()
    case 1: return [Int64.min, Int64.max, -1, 0, 1 << 40][below(5)]
    case 2: return (known.last ?? 0) + 1 + Int64(below(3))
    default: return known.isEmpty ? int64() : known[below(known.count)]
    }
  }
}

/// What a request should do: succeed, or fail with one of these statuses.
struct Expectation {
  var failures: [reclite_status] = []
  var valid: Bool { failures.isEmpty }
  mutating func fail(_ status: reclite_status) { failures.append(status) }
}

/// A request as the C API takes it, possibly sized as an older or newer caller would.
final class RequestBuffer {
  /// Room for a request from a newer header: the known fields, then trailing bytes it ignores.
  var storage: (reclite_request, UInt64, UInt64) = (reclite_request(), 0xA5A5_A5A5_A5A5_A5A5, 0x5A5A_5A5A_5A5A_5A5A)
  var context: [reclite_context_value] = []
  var expectation = Expectation()
  var userKnown = false
  var fallback = false

  init(_ c: inout Choices, _ subject: Subject) {
    var request = reclite_request()
    request.struct_size = UInt32(MemoryLayout<reclite_request>.size)
    request.user_id = c.id(from: subject.knownUsers)
    userKnown = subject.knownUsers.contains(request.user_id)
    switch c.byte() % 16 {
    case 0:
      request.struct_size = UInt32(rlf_struct_size_v1(RLF_STRUCT_REQUEST) - 1)
      expectation.fail(RECLITE_E_STRUCT_SIZE)
    case 1: request.struct_size = UInt32(MemoryLayout<(reclite_request, UInt64, UInt64)>.size)
    default: break
    }
    let flags = c.byte()
    request.flags = UInt32(flags & 1)
    if flags & 0xF0 == 0xF0 {
      request.flags |= 1 << UInt32(1 + flags % 30)
      expectation.fail(RECLITE_E_INVALID_ARGUMENT)
    }
    fallback = !userKnown && request.flags & UInt32(RECLITE_REQUEST_NO_FALLBACK) == 0 && !subject.popular.isEmpty
    let contextCount = Int(c.byte() % 5)
    for _ in 0..<contextCount {
      var feature = subject.contextFeatures.isEmpty ? 0 : subject.contextFeatures[c.below(subject.contextFeatures.count)]
      if c.byte() % 16 == 0 || subject.contextFeatures.isEmpty {
        feature = UInt32(c.below(Int(subject.featureCount) + 3))
        if !subject.contextFeatures.contains(feature) { expectation.fail(RECLITE_E_INVALID_ARGUMENT) }
      }
      context.append(reclite_context_value(feature: feature, value: c.id(from: (0..<30).map { Int64($0) })))
    }
    request.context_count = context.count
    if contextCount > 0 && c.byte() % 32 == 0 {
      context = []  // NULL context with a count
      expectation.fail(RECLITE_E_INVALID_ARGUMENT)
    }
    storage.0 = request
  }

  /// Calls `body` with the request; the context array stays valid during the call.
  func with<R>(_ body: (UnsafePointer<reclite_request>) -> R) -> R {
    context.withUnsafeBufferPointer { values in
      storage.0.context = values.isEmpty ? nil : values.baseAddress
      return withUnsafePointer(to: &storage) { body(UnsafeRawPointer($0).assumingMemoryBound(to: reclite_request.self)) }
    }
  }
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fatalError(message()) }
}

/// Requires `status` to be success for a valid request, or one of the expected failures with a message.
func checkStatus(_ status: reclite_status, _ expectation: Expectation, _ call: String) {
  if expectation.valid {
    check(status == RECLITE_OK, "\(call) failed: \(String(cString: reclite_status_name(status))): \(String(cString: reclite_last_error()))")
  } else {
    check(expectation.failures.contains(status), "\(call) returned \(String(cString: reclite_status_name(status))), expected one of \(expectation.failures.map { String(cString: reclite_status_name($0)) })")
    check(reclite_last_error()[0] != 0, "\(call) failed without a message")
  }
}

/// Scores of `items` for `request` through reclite_score (which must succeed).
func scores(_ subject: Subject, _ request: RequestBuffer, _ items: [Int64]) -> [Float] {
  var out = [Float](repeating: .nan, count: items.count)
  let status = request.with { r in reclite_score(subject.session, r, items, items.count, &out) }
  check(status == RECLITE_OK, "scoring \(items.count) items failed: \(String(cString: reclite_last_error()))")
  return out
}

let sentinel = Float(bitPattern: 0x7FC0_1234)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequests(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  var c = Choices(bytes: UnsafeBufferPointer(start: data, count: size))
  let subject = subjects[Int(c.byte()) % subjects.count]
  let request = RequestBuffer(&c, subject)

  // Candidates: known, unknown and extreme ids, 0 to 600 of them (several chunks).
  let candidates = (0..<c.below(601)).map { _ in c.id(from: subject.catalog) }
  var scored = [Float](repeating: sentinel, count: candidates.count)
  let scoreStatus = request.with { r in reclite_score(subject.session, r, candidates, candidates.count, &scored) }
  checkStatus(scoreStatus, request.expectation, "reclite_score")
  if request.expectation.valid {
    check(scored.allSatisfy(\.isFinite), "reclite_score gave a non-finite score")
    // The same candidate alone scores the same as among the others (chunk position does not matter).
    for i in [0, candidates.count / 2, candidates.count - 1] where i >= 0 && i < candidates.count {
      let alone = scores(subject, request, [candidates[i]])[0]
      check(alone.bitPattern == scored[i].bitPattern, "candidate \(i) (\(candidates[i])) scores \(scored[i]) among \(candidates.count), \(alone) alone")
    }
  } else {
    check(scored.allSatisfy { $0.bitPattern == sentinel.bitPattern }, "a failed reclite_score wrote scores")
  }

  recommend(&c, subject, request)
  batch(&c, subject, request, candidates, scored, scoreStatus)
  return 0
}

func recommend(_ c: inout Choices, _ subject: Subject, _ request: RequestBuffer) {
  var expectation = request.expectation
  var k = 1 + c.below(subject.catalog.count + 5)
  switch c.byte() % 16 {
  case 0:
    k = 0
    expectation.fail(RECLITE_E_INVALID_ARGUMENT)
  case 1: k = Int.max  // beyond the catalog: the whole catalog (the library writes at most that many)
  default: break
  }
  var excluded: [Int64]
  switch c.byte() % 8 {
  case 0: excluded = subject.catalog + subject.catalog.prefix(c.below(4))  // the whole catalog, some twice
  case 1: excluded = subject.catalog.filter { _ in c.byte() & 1 == 0 }
  default: excluded = (0..<c.below(40)).map { _ in c.id(from: subject.catalog) }
  }
  let nullExclusions = !excluded.isEmpty && c.byte() % 64 == 0
  if nullExclusions { expectation.fail(RECLITE_E_INVALID_ARGUMENT) }

  let room = min(k, subject.catalog.count)
  var ids = [Int64](repeating: -7, count: room)
  var top = [Float](repeating: sentinel, count: room)
  var count = -1
  let status = request.with { r in
    excluded.withUnsafeBufferPointer { e in
      reclite_recommend(subject.session, r, k, nullExclusions ? nil : e.baseAddress, excluded.count, &ids, &top, &count)
    }
  }
  checkStatus(status, expectation, "reclite_recommend")
  guard expectation.valid else {
    check(count == -1 && ids.allSatisfy { $0 == -7 }, "a failed reclite_recommend wrote results")
    return
  }
  let exclusion = Set(excluded)
  let eligible = (request.fallback ? subject.popular : subject.catalog).filter { !exclusion.contains($0) }
  let expectedCount = min(k, eligible.count)
  check(count == expectedCount, "recommend returned \(count) items, expected min(k \(k), eligible \(eligible.count))")
  let returned = Array(ids.prefix(count))
  let returnedScores = Array(top.prefix(count))
  check(Set(returned).count == count, "recommend returned an item twice")
  check(returnedScores.allSatisfy(\.isFinite), "recommend gave a non-finite score")
  let rescored = scores(subject, request, returned)
  for i in 0..<count {
    check(returnedScores[i] == rescored[i], "recommend scored item \(returned[i]) \(returnedScores[i]), reclite_score \(rescored[i])")
  }
  let expected: [Int64]
  if request.fallback {
    expected = Array(eligible.prefix(expectedCount))  // popularity order
  } else {
    let all = scores(subject, request, eligible)
    let order = eligible.indices.sorted { all[$0] != all[$1] ? all[$0] > all[$1] : eligible[$0] < eligible[$1] }
    expected = order.prefix(expectedCount).map { eligible[$0] }
  }
  check(returned == expected, "recommend returned \(returned.prefix(8))…, the sorted scores give \(expected.prefix(8))… (fallback: \(request.fallback))")
}

func batch(_ c: inout Choices, _ subject: Subject, _ first: RequestBuffer, _ items: [Int64], _ firstScores: [Float], _ firstStatus: reclite_status) {
  let others = (0..<c.below(4)).map { _ in RequestBuffer(&c, subject) }
  let requests = [first] + others
  var expectation = Expectation()
  for request in requests { expectation.failures += request.expectation.failures }
  // The requests side by side in one array, each with its own context.
  var packed = requests.map { $0.storage.0 }
  var out = [Float](repeating: sentinel, count: requests.count * items.count)
  let status = withContexts(requests, 0, &packed) { array in
    reclite_score_batch(subject.session, array.baseAddress, array.count, items, items.count, &out)
  }
  checkStatus(status, expectation, "reclite_score_batch")
  guard expectation.valid else {
    check(out.allSatisfy { $0.bitPattern == sentinel.bitPattern }, "a failed reclite_score_batch wrote scores")
    return
  }
  check(firstStatus == RECLITE_OK, "a request failed alone but not in a batch")
  for (r, request) in requests.enumerated() {
    let alone = r == 0 ? firstScores : scores(subject, request, items)
    for i in 0..<items.count where out[r * items.count + i].bitPattern != alone[i].bitPattern {
      check(false, "batch request \(r), item \(items[i]): \(out[r * items.count + i]) in the batch, \(alone[i]) alone")
    }
  }
}

/// Points each packed request at its own context values while `body` runs.
func withContexts<R>(
  _ requests: [RequestBuffer], _ index: Int, _ packed: inout [reclite_request], _ body: (UnsafeBufferPointer<reclite_request>) -> R
) -> R {
  guard index < requests.count else { return packed.withUnsafeBufferPointer(body) }
  return requests[index].context.withUnsafeBufferPointer { values in
    packed[index].context = values.isEmpty ? nil : values.baseAddress
    return withContexts(requests, index + 1, &packed, body)
  }
}
