// libFuzzer entry point: any bytes as a model file. Opening must either fail
// with a status or give a model that scores and recommends — never a crash,
// never an out-of-bounds access (built with AddressSanitizer).
//
// Half of the inputs skip the checksum so mutations reach the structural and
// semantic checks instead of stopping at the CRC.

#if canImport(RecLiteRuntime)
  import RecLiteRuntime  // when built against the module; the fuzz build compiles the sources in
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  guard size > 0 else { return 0 }
  let skipChecksum = data[size - 1] & 1 == 0
  guard let model = try? Model.open(buffer: data, length: size, copy: true, verifyChecksum: !skipChecksum) else {
    return 0
  }
  guard let session = try? Session(model: model, arena: nil, length: 0) else { return 0 }
  var ids = [Int64](repeating: 0, count: 8)
  var scores = [Float](repeating: 0, count: 8)
  let candidates: [Int64] = [0, 1, 2, 3, -1, Int64.max, Int64.min, 42]
  for user: Int64 in [0, 1, 7, -5] {
    _ = try? candidates.withUnsafeBufferPointer { c in
      try session.score(Request(userID: user), itemIDs: c.baseAddress, count: c.count, scores: &scores)
    }
    _ = try? candidates.withUnsafeBufferPointer { c in
      try session.recommend(Request(userID: user), k: 8, excludeIDs: c.baseAddress, excludeCount: 3, idsOut: &ids, scoresOut: &scores)
    }
  }
  return 0
}
