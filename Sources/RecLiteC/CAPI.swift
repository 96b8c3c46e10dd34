// The C ABI: every function of include/reclite.h, implemented with
// `@c @implementation` so the compiler checks each signature against the
// header. This layer only converts: C pointers and sizes in, statuses and
// messages out. No input from the caller can trap here — counts are clamped
// before conversion, pointers are checked before use, struct sizes honoured.

import CRecLite
import CRecLiteFormat
import RecLiteRuntime

// MARK: Versions and status

@c @implementation
public func reclite_version() -> UnsafePointer<CChar>? {
  Version.cString
}

@c @implementation
public func reclite_version_number() -> UInt32 {
  Version.number
}

@c @implementation
public func reclite_abi_version() -> UInt32 {
  UInt32(RECLITE_ABI_VERSION)
}

@c @implementation
public func reclite_status_name(_ status: reclite_status) -> UnsafePointer<CChar>? {
  guard let known = Status(rawValue: Int32(bitPattern: status.rawValue)) else { return cString("RECLITE_E_UNKNOWN") }
  return cString(known.name)
}

@c @implementation
public func reclite_last_error() -> UnsafePointer<CChar>? {
  UnsafePointer(rlf_thread_message())
}

// MARK: Models

@c @implementation
public func reclite_model_open(
  _ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> reclite_status {
  guard let path, let out else { return fail(RecLiteError(.invalidArgument, "path and out must not be NULL")) }
  return handOut(out) { () throws(RecLiteError) in try Model.open(path: path) }
}

@c @implementation
public func reclite_model_open_buffer(
  _ data: UnsafeRawPointer?, _ length: Int, _ flags: UInt32, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> reclite_status {
  guard let data, let out else { return fail(RecLiteError(.invalidArgument, "data and out must not be NULL")) }
  guard length >= 0 else {
    return fail(RecLiteError(.invalidArgument, "length \(UInt64(UInt(bitPattern: length))) is larger than any buffer"))
  }
  let known = UInt32(RECLITE_OPEN_COPY | RECLITE_OPEN_SKIP_CHECKSUM)
  guard flags & ~known == 0 else { return fail(RecLiteError(.invalidArgument, "unknown open flags \(flags)")) }
  return handOut(out) { () throws(RecLiteError) in
    try Model.open(
      buffer: data, length: length, copy: flags & UInt32(RECLITE_OPEN_COPY) != 0,
      verifyChecksum: flags & UInt32(RECLITE_OPEN_SKIP_CHECKSUM) == 0)
  }
}

@c @implementation
public func reclite_model_close(_ model: OpaquePointer?) {
  guard let model else { return }
  Unmanaged<Model>.fromOpaque(UnsafeRawPointer(model)).release()
}

@c @implementation
public func reclite_model_arena_size(_ model: OpaquePointer?) -> Int {
  guard let model = borrow(model) else { return 0 }
  return model.arenaBytes
}

@c @implementation
public func reclite_model_get_info(
  _ handle: OpaquePointer?, _ info: UnsafeMutablePointer<reclite_model_info>?
) -> reclite_status {
  guard let model = borrow(handle), let info else {
    return fail(RecLiteError(.invalidArgument, "model and info must not be NULL"))
  }
  do throws(RecLiteError) {
    let size = try callerSize(info, RLF_STRUCT_MODEL_INFO, "reclite_model_info", "RECLITE_MODEL_INFO_INIT")
    let graph = model.graph
    var filled = reclite_model_info()
    filled.struct_size = UInt32(size)
    filled.format_version = graph.formatVersion
    filled.catalog_size = UInt32(graph.catalogSize)
    filled.user_count = graph.userFeature >= 0 ? UInt32(graph.features[graph.userFeature].rowCount) : 0
    filled.feature_count = UInt32(graph.features.count)
    filled.tensor_count = UInt32(graph.tensors.count)
    filled.op_count = UInt32(graph.ops.count)
    filled.max_batch = UInt32(graph.maxBatch)
    filled.weight_bytes = UInt64(graph.weightBytes)
    filled.file_bytes = UInt64(graph.fileBytes)
    filled.arena_bytes = UInt64(model.arenaBytes)
    filled.description = cString(graph.description)
    filled.score_kind = graph.scoreKind.rawValue
    filled.metadata_count = UInt32(graph.metadataCount)
    write(filled, to: info, size: size)
    return ok
  } catch {
    return fail(error)
  }
}

@c @implementation
public func reclite_model_get_feature(
  _ handle: OpaquePointer?, _ index: UInt32, _ info: UnsafeMutablePointer<reclite_feature_info>?
) -> reclite_status {
  guard let model = borrow(handle), let info else {
    return fail(RecLiteError(.invalidArgument, "model and info must not be NULL"))
  }
  do throws(RecLiteError) {
    let size = try callerSize(info, RLF_STRUCT_FEATURE_INFO, "reclite_feature_info", "RECLITE_FEATURE_INFO_INIT")
    let features = model.graph.features
    guard UInt(index) < UInt(features.count) else {
      throw RecLiteError(.invalidArgument, "feature \(index) out of range (the model has \(features.count))")
    }
    let feature = features[Int(index)]
    var filled = reclite_feature_info()
    filled.struct_size = UInt32(size)
    filled.kind = UInt32(feature.kind.rawValue)
    filled.value_count = UInt64(feature.rowCount)
    filled.name = cString(feature.name)
    write(filled, to: info, size: size)
    return ok
  } catch {
    return fail(error)
  }
}

@c @implementation
public func reclite_model_get_feature_value(
  _ handle: OpaquePointer?, _ feature: UInt32, _ row: UInt64, _ value: UnsafeMutablePointer<Int64>?
) -> reclite_status {
  guard let model = borrow(handle), let value else {
    return fail(RecLiteError(.invalidArgument, "model and value must not be NULL"))
  }
  let features = model.graph.features
  guard Int(feature) < features.count else {
    return fail(RecLiteError(.invalidArgument, "feature \(feature) out of range (the model has \(features.count))"))
  }
  let info = features[Int(feature)]
  guard row < UInt64(info.rowCount) else {
    return fail(RecLiteError(.invalidArgument, "row \(row) of feature \(info.name) out of range (it has \(info.rowCount) values)"))
  }
  value.pointee = info.value(ofRow: Int(row))
  return ok
}

@c @implementation
public func reclite_model_get_metadata(
  _ handle: OpaquePointer?, _ index: UInt32, _ key: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
  _ value: UnsafeMutablePointer<UnsafePointer<CChar>?>?
) -> reclite_status {
  guard let model = borrow(handle), let key, let value else {
    return fail(RecLiteError(.invalidArgument, "model, key and value must not be NULL"))
  }
  guard UInt(index) < UInt(model.graph.metadataCount) else {
    return fail(RecLiteError(.invalidArgument, "metadata entry \(index) out of range (the model has \(model.graph.metadataCount))"))
  }
  let entry = model.metadata(at: Int(index))
  key.pointee = cString(entry.key)
  value.pointee = cString(entry.value)
  return ok
}

@c @implementation
public func reclite_model_find_feature(
  _ handle: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ index: UnsafeMutablePointer<UInt32>?
) -> reclite_status {
  guard let model = borrow(handle), let name, let index else {
    return fail(RecLiteError(.invalidArgument, "model, name and index must not be NULL"))
  }
  guard let found = model.feature(named: name) else {
    var message: Message = "no feature named \"\(StringRef(cString: name))\"; the model has:"
    for feature in model.graph.features {
      message.append(" ")
      message.append(feature.name)
    }
    return fail(RecLiteError(.invalidArgument, message))
  }
  index.pointee = UInt32(found)
  return ok
}

@c @implementation
public func reclite_model_item_title(_ handle: OpaquePointer?, _ itemID: Int64) -> UnsafePointer<CChar>? {
  guard let title = borrow(handle)?.title(ofItem: itemID), let base = title.base else { return nil }
  return UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
}

@c @implementation
public func reclite_model_metadata(_ handle: OpaquePointer?, _ key: UnsafePointer<CChar>?) -> UnsafePointer<CChar>? {
  guard let key, let value = borrow(handle)?.metadata(key: key), let base = value.base else { return nil }
  return UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
}

// MARK: Sessions

@c @implementation
public func reclite_session_create(
  _ handle: OpaquePointer?, _ arena: UnsafeMutableRawPointer?, _ arenaLength: Int,
  _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> reclite_status {
  guard let model = borrow(handle), let out else {
    return fail(RecLiteError(.invalidArgument, "model and out must not be NULL"))
  }
  return createSession(arena, arenaLength, out) { arena, length throws(RecLiteError) in
    try ServingSession.create(model: model, arena: arena, length: length)
  }
}

@c @implementation
public func reclite_session_close(_ session: OpaquePointer?) {
  guard let session else { return }
  Unmanaged<ServingSession>.fromOpaque(UnsafeRawPointer(session)).release()
}

@c @implementation
public func reclite_session_last_error(_ handle: OpaquePointer?) -> UnsafePointer<CChar>? {
  guard let session = borrowSession(handle) else { return cString("") }
  return UnsafePointer(session.lastError)
}

@c @implementation
public func reclite_score(
  _ handle: OpaquePointer?, _ request: UnsafePointer<reclite_request>?, _ itemIDs: UnsafePointer<Int64>?,
  _ count: Int, _ scoresOut: UnsafeMutablePointer<Float>?
) -> reclite_status {
  guard let session = borrowSession(handle) else {
    return fail(RecLiteError(.invalidArgument, "session must not be NULL"))
  }
  do throws(RecLiteError) {
    try session.session.score(convert(request), itemIDs: itemIDs, count: checkedCount(count, "item count"), scores: scoresOut)
    return ok
  } catch {
    return fail(error, session)
  }
}

@c @implementation
public func reclite_recommend(
  _ handle: OpaquePointer?, _ request: UnsafePointer<reclite_request>?, _ k: Int,
  _ excludeIDs: UnsafePointer<Int64>?, _ excludeCount: Int, _ idsOut: UnsafeMutablePointer<Int64>?,
  _ scoresOut: UnsafeMutablePointer<Float>?, _ countOut: UnsafeMutablePointer<Int>?
) -> reclite_status {
  guard let session = borrowSession(handle) else {
    return fail(RecLiteError(.invalidArgument, "session must not be NULL"))
  }
  do throws(RecLiteError) {
    try session.session.recommend(
      convert(request), k: clampedCount(k), excludeIDs: excludeIDs, excludeCount: checkedCount(excludeCount, "exclude count"),
      idsOut: idsOut, scoresOut: scoresOut, countOut: countOut, requireCountOut: true)
    return ok
  } catch {
    return fail(error, session)
  }
}

@c @implementation
public func reclite_score_batch(
  _ handle: OpaquePointer?, _ requests: UnsafePointer<reclite_request>?, _ requestCount: Int,
  _ itemIDs: UnsafePointer<Int64>?, _ itemCount: Int, _ scoresOut: UnsafeMutablePointer<Float>?
) -> reclite_status {
  guard let session = borrowSession(handle) else {
    return fail(RecLiteError(.invalidArgument, "session must not be NULL"))
  }
  do throws(RecLiteError) {
    let count = try checkedCount(requestCount, "request count")
    guard count == 0 || requests != nil else {
      throw RecLiteError(.invalidArgument, "requests must not be NULL when request_count is \(count)")
    }
    try session.session.scoreBatch(
      requestCount: count, request: { r throws(RecLiteError) in try convert(requests.map { $0 + r }) },
      itemIDs: itemIDs, itemCount: checkedCount(itemCount, "item count"), scores: scoresOut)
    return ok
  } catch {
    return fail(error, session)
  }
}

// MARK: Model slots (hot swap)

@c @implementation
public func reclite_model_slot_create(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?)
  -> reclite_status
{
  guard let model = borrow(handle), let out else {
    return fail(RecLiteError(.invalidArgument, "model and out must not be NULL"))
  }
  return handOut(out) { () throws(RecLiteError) in try ModelSlot.create(serving: model) }
}

@c @implementation
public func reclite_model_slot_close(_ slot: OpaquePointer?) {
  guard let slot else { return }
  Unmanaged<ModelSlot>.fromOpaque(UnsafeRawPointer(slot)).release()
}

@c @implementation
public func reclite_model_slot_publish(_ handle: OpaquePointer?, _ modelHandle: OpaquePointer?) -> reclite_status {
  guard let slot = borrowSlot(handle), let model = borrow(modelHandle) else {
    return fail(RecLiteError(.invalidArgument, "slot and model must not be NULL"))
  }
  slot.publish(model)
  return ok
}

@c @implementation
public func reclite_model_slot_get(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?)
  -> reclite_status
{
  guard let slot = borrowSlot(handle), let out else {
    return fail(RecLiteError(.invalidArgument, "slot and out must not be NULL"))
  }
  return handOut(out) { () throws(RecLiteError) in try slot.current().model }
}

@c @implementation
public func reclite_session_create_from_slot(
  _ handle: OpaquePointer?, _ arena: UnsafeMutableRawPointer?, _ arenaLength: Int,
  _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> reclite_status {
  guard let slot = borrowSlot(handle), let out else {
    return fail(RecLiteError(.invalidArgument, "slot and out must not be NULL"))
  }
  return createSession(arena, arenaLength, out) { arena, length throws(RecLiteError) in
    try ServingSession.create(slot: slot, arena: arena, length: length)
  }
}

@c @implementation
public func reclite_session_refresh(_ handle: OpaquePointer?) -> reclite_status {
  guard let session = borrowSession(handle) else {
    return fail(RecLiteError(.invalidArgument, "session must not be NULL"))
  }
  do throws(RecLiteError) {
    try session.refresh()
    return ok
  } catch {
    return fail(error, session)
  }
}

@c @implementation
public func reclite_session_model(_ handle: OpaquePointer?) -> OpaquePointer? {
  guard let session = borrowSession(handle) else { return nil }
  return OpaquePointer(Unmanaged.passUnretained(session.model).toOpaque())
}

// MARK: Helpers

/// Checks a new session's arena arguments, makes it with `make(arena, length)` and hands it out.
func createSession(
  _ arena: UnsafeMutableRawPointer?, _ arenaLength: Int, _ out: UnsafeMutablePointer<OpaquePointer?>,
  _ make: (UnsafeMutableRawPointer?, Int) throws(RecLiteError) -> ServingSession
) -> reclite_status {
  guard arena != nil || arenaLength == 0 else {
    return fail(RecLiteError(.invalidArgument, "arena is NULL but arena_length is \(UInt64(UInt(bitPattern: arenaLength)))"))
  }
  let length = Int(clamping: UInt(bitPattern: arenaLength))
  return handOut(out) { () throws(RecLiteError) in try make(arena, length) }
}

/// Makes an object and hands the caller its reference through `out`, or records the failure.
func handOut<Object: AnyObject>(
  _ out: UnsafeMutablePointer<OpaquePointer?>, _ make: () throws(RecLiteError) -> Object
) -> reclite_status {
  do throws(RecLiteError) {
    out.pointee = OpaquePointer(Unmanaged.passRetained(try make()).toOpaque())
    return ok
  } catch {
    return fail(error)
  }
}

let ok = reclite_status(rawValue: 0)

func cString(_ literal: StaticString) -> UnsafePointer<CChar> {
  UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// A model string as a C string ("" when absent). Model strings are NUL-terminated in the file.
func cString(_ text: StringRef) -> UnsafePointer<CChar> {
  text.base.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? cString("")
}

/// The model behind a handle, without taking ownership.
func borrow(_ handle: OpaquePointer?) -> Model? {
  guard let handle else { return nil }
  return Unmanaged<Model>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// The session behind a handle (a `ServingSession`: the C API's sessions can follow a slot).
func borrowSession(_ handle: OpaquePointer?) -> ServingSession? {
  guard let handle else { return nil }
  return Unmanaged<ServingSession>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

func borrowSlot(_ handle: OpaquePointer?) -> ModelSlot? {
  guard let handle else { return nil }
  return Unmanaged<ModelSlot>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// A size_t k as Int; values beyond Int.max (negative ints cast by a caller) saturate: a k
/// beyond the catalog asks for the whole catalog.
func clampedCount(_ count: Int) -> Int {
  Int(clamping: UInt(bitPattern: count))
}

/// A size_t count as Int, rejected above Session.maxCount (2^31 − 1). Checked here, on the
/// unsigned value: where Int has 32 bits, a size_t above Int.max would turn negative, or
/// saturate onto 2^31 − 1, a valid count.
func checkedCount(_ count: Int, _ what: StaticString) throws(RecLiteError) -> Int {
  let value = UInt(bitPattern: count)
  guard value <= UInt(Session.maxCount) else {
    throw RecLiteError(.invalidArgument, "\(what) \(UInt64(value)) is outside 0…\(Session.maxCount)")
  }
  return count
}

/// Records the failure in this thread's message buffer (and the session's) and returns its status.
func fail(_ error: RecLiteError, _ session: ServingSession? = nil) -> reclite_status {
  error.message.copy(to: rlf_thread_message(), capacity: Int(RLF_MESSAGE_CAPACITY))
  session?.record(error)
  return reclite_status(rawValue: UInt32(bitPattern: error.status.rawValue))
}

/// The struct_size a caller declared, checked against the struct's first version.
func callerSize<T>(
  _ pointer: UnsafePointer<T>, _ which: rlf_struct, _ name: StaticString, _ initializer: StaticString
) throws(RecLiteError) -> Int {
  // Every such struct starts with its uint32_t struct_size.
  let size = Int(clamping: UnsafeRawPointer(pointer).load(as: UInt32.self))
  let minimum = rlf_struct_size_v1(which)
  guard size >= minimum else {
    throw RecLiteError(
      .structSize, "\(name).struct_size is \(size), the smallest this library accepts is \(minimum); initialize it with \(initializer)")
  }
  return size
}

/// The caller's struct as this library knows it: its first `size` bytes, the fields it lacks zero.
func read<T>(_ pointer: UnsafePointer<T>, size: Int, into value: inout T) {
  withUnsafeMutableBytes(of: &value) { target in
    if let base = target.baseAddress { base.copyMemory(from: pointer, byteCount: min(size, target.count)) }
  }
}

/// Writes `value` into the caller's struct, never past its first `size` bytes.
func write<T>(_ value: T, to pointer: UnsafeMutablePointer<T>, size: Int) {
  withUnsafeBytes(of: value) { source in
    if let base = source.baseAddress { UnsafeMutableRawPointer(pointer).copyMemory(from: base, byteCount: min(size, source.count)) }
  }
}

/// Reads a caller's request, honouring its struct_size.
func convert(_ pointer: UnsafePointer<reclite_request>?) throws(RecLiteError) -> Request {
  guard let pointer else { throw RecLiteError(.invalidArgument, "request must not be NULL") }
  let size = try callerSize(pointer, RLF_STRUCT_REQUEST, "reclite_request", "RECLITE_REQUEST_INIT")
  var request = reclite_request()
  read(pointer, size: size, into: &request)
  let known = UInt32(RECLITE_REQUEST_NO_FALLBACK)
  guard request.flags & ~known == 0 else {
    throw RecLiteError(.invalidArgument, "unknown request flags \(request.flags)")
  }
  // reclite_context_value and ContextValue have the same layout (checked by the tests).
  let context = request.context.map { UnsafeRawPointer($0).assumingMemoryBound(to: ContextValue.self) }
  let contextCount = try checkedCount(request.context_count, "context count")
  return Request(userID: request.user_id, flags: request.flags, context: context, contextCount: contextCount)
}
