// Bad model files: each is rejected with a clear status and a message that
// names the first problem — never a crash.

import CRecLiteFormat
import Foundation
import RecLiteRuntime
import Testing
@testable import RecLiteWriter

/// Recomputes the checksum of patched bytes so the semantic checks are what reject them.
func resealed(_ bytes: [UInt8]) -> [UInt8] {
  var file = bytes
  file.withUnsafeMutableBufferPointer { raw in
    guard let base = raw.baseAddress else { return }
    let at = rlf_checksum_offset(base)
    for i in 0..<4 { base[at + i] = 0 }
    let crc = rlf_crc32(0, base, raw.count)
    for i in 0..<4 { base[at + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
  }
  return file
}

/// Replaces the first occurrence of `pattern` in the FlatBuffer part of `bytes`.
func patched(_ bytes: [UInt8], replacing pattern: [UInt8], with replacement: [UInt8]) -> [UInt8]? {
  guard pattern.count == replacement.count else { return nil }
  for start in 0...(bytes.count - pattern.count) where Array(bytes[start..<(start + pattern.count)]) == pattern {
    var out = bytes
    out.replaceSubrange(start..<(start + pattern.count), with: replacement)
    return out
  }
  return nil
}

func expectRejected(_ bytes: [UInt8], _ status: Status = .badModel, containing text: String, verifyChecksum: Bool = true) {
  guard let error = rejection(bytes, verifyChecksum: verifyChecksum) else {
    Issue.record("model was accepted; expected \(status.name): \(text)")
    return
  }
  #expect(error.status == status, "\(error.message)")
  #expect(error.message.description.contains(text), "message: \(error.message)")
}

@Suite struct RejectionTests {
  let good = try! TwoTowerFixture().builder().serialize()

  @Test func truncatedFilesAreRejected() {
    for length in [0, 1, 7, 8, 16, 64, good.count / 2, good.count - 1] {
      guard let error = rejection(Array(good.prefix(length))) else {
        Issue.record("a \(length)-byte prefix was accepted")
        continue
      }
      #expect(error.status == .badModel, "length \(length): \(error.message)")
    }
    expectRejected(Array(good.prefix(4)), containing: "too short")
  }

  @Test func aWrongIdentifierIsRejected() {
    var bytes = good
    bytes[4] = UInt8(ascii: "X")
    expectRejected(bytes, containing: "not a RecLite model")
  }

  @Test func anyFlippedBitFailsTheChecksum() {
    var random = TestRandom(state: 99)
    for _ in 0..<200 {
      var bytes = good
      let bit = Int(abs(random.next()) * Float(bytes.count * 8)) % (bytes.count * 8)
      bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
      #expect(rejection(bytes)?.status == .badModel, "flipping bit \(bit) was not detected")
    }
  }

  /// With the checksum skipped, every single-bit flip of the FlatBuffer part
  /// must either be rejected or give a model that runs — never a crash.
  @Test func bitFlipsWithoutTheChecksumNeverCrash() throws {
    let metadataEnd = good.withUnsafeBufferPointer { raw -> Int in
      var offset: UInt64 = 0
      var size: UInt64 = 0
      rlf_buffer_get(raw.baseAddress, 1, &offset, &size)
      return Int(offset)
    }
    var rejected = 0
    var opened = 0
    for bit in 0..<(metadataEnd * 8) {
      var bytes = good
      bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
      guard let model = try? openBytes(bytes, verifyChecksum: false) else {
        rejected += 1
        continue
      }
      opened += 1
      let session = try Session(model: model, arena: nil, length: 0)
      _ = try? runtimeRecommend(session, user: 10, k: 3)
      _ = try? runtimeScores(model, user: 20, items: [100, 300, 12])
    }
    #expect(rejected > 0 && opened > 0, "rejected \(rejected), opened \(opened)")
  }

  @Test func anOutOfRangeTensorIndexIsNamed() throws {
    let builder = TwoTowerFixture().builder()
    builder.ops[0].inputs[0] = 999
    let count = builder.tensors.count
    expectRejected(builder.serializeUnchecked(), containing: "op 0 (EMBEDDING_LOOKUP): input 0 is tensor 999, out of range (have \(count))")
  }

  @Test func anOutOfRangeBufferIndexIsNamed() throws {
    let builder = TwoTowerFixture().builder()
    let t = builder.tensors.firstIndex { $0.name == "w" }!
    builder.tensors[t].buffer = 77
    let have = builder.buffers.count
    expectRejected(builder.serializeUnchecked(), containing: "tensor \(t) (w): buffer 77 out of range (have \(have))")
  }

  @Test func bufferOffsetsThatOverflowOrRunPastTheEndAreRejected() throws {
    let bytes = try TwoTowerFixture().builder().serialize()
    var offset: UInt64 = 0
    var size: UInt64 = 0
    bytes.withUnsafeBufferPointer { rlf_buffer_get($0.baseAddress, 1, &offset, &size) }
    let original = Encoding.bytes([offset, size])
    for bad in [UInt64.max - 63, UInt64(bytes.count) + 64, (UInt64.max / 64) * 64] {
      let tampered = try #require(patched(bytes, replacing: original, with: Encoding.bytes([bad, size])))
      expectRejected(resealed(tampered), containing: "buffer 1: bytes")
    }
    let misaligned = try #require(patched(bytes, replacing: original, with: Encoding.bytes([offset + 4, size])))
    expectRejected(resealed(misaligned), containing: "not a multiple of 64")
  }

  @Test func aShapeThatDisagreesWithTheBufferIsRejected() throws {
    let builder = TwoTowerFixture().builder()
    let t = builder.tensors.firstIndex { $0.name == "w" }!
    builder.tensors[t].shape = [4, 5]
    expectRejected(builder.serializeUnchecked(), containing: "tensor \(t) (w): buffer")
  }

  /// Found by the fuzzer: a constant with no rows has no elements, but an
  /// enormous width overflowed its byte count (row-wise row size, or type size).
  @Test func aZeroRowConstantWithAnEnormousWidthIsRejected() throws {
    for encoding in [TableEncoding.float32, .rowWise8, .rowWise4] {
      for width in [Int64.max, Int64.max / 2, Int64(1) << 41] {
        let builder = TwoTowerFixture(encoding: encoding).builder()
        let t = builder.tensors.firstIndex { $0.name == "item_table" }!
        builder.tensors[t].shape = [0, width]
        expectRejected(
          builder.serializeUnchecked(), containing: "tensor \(t) (item_table): invalid shape [0, \(width)] for a constant")
        builder.tensors[t].shape = [width, 0]
        expectRejected(
          builder.serializeUnchecked(), containing: "tensor \(t) (item_table): invalid shape [\(width), 0] for a constant")
      }
    }
  }

  @Test func shapesInconsistentWithAnOpAreRejected() throws {
    let wrongOutput = TwoTowerFixture().builder()
    let out = wrongOutput.tensors.firstIndex { $0.name == "user_tower" }!
    wrongOutput.tensors[out].shape = [1, 7]
    expectRejected(wrongOutput.serializeUnchecked(), containing: "must be float32 [1, 4], file says [1, 7]")

    let m = ModelBuilder()
    let user = m.feature("user", kind: .user, vocabulary: [1, 2])
    let item = m.feature("item", kind: .item, vocabulary: [1, 2])
    let u = m.embeddingLookup("u", table: m.constant("ut", floats: [Float](repeating: 0.1, count: 12), shape: [3, 4]), ids: user)
    let h = m.dense("h", u, weight: m.constant("w", floats: [Float](repeating: 0.1, count: 6), shape: [2, 3]), bias: nil)
    let v = m.embeddingLookup("v", table: m.constant("vt", floats: [Float](repeating: 0.1, count: 6), shape: [3, 2]), ids: item)
    m.outputs(scores: m.dot("s", h, v))
    #expect(throws: ModelWriterError.self) { try m.serialize() }
    expectRejected(m.serializeUnchecked(), containing: "weight takes 3 inputs, input is 4 wide")
  }

  @Test func aTableTooSmallForItsFeatureIsRejected() throws {
    let m = ModelBuilder()
    let user = m.feature("user", kind: .user, vocabulary: [1, 2, 3])
    let item = m.feature("item", kind: .item, vocabulary: [1])
    // Three users plus the OOV row need 4 rows.
    let u = m.embeddingLookup("u", table: m.constant("ut", floats: [1, 2, 3], shape: [3, 1]), ids: user)
    let v = m.embeddingLookup("v", table: m.constant("vt", floats: [1, 2], shape: [2, 1]), ids: item)
    m.outputs(scores: m.dot("s", u, v))
    expectRejected(m.serializeUnchecked(), containing: "feature user reaches row 3, tensor")
  }

  @Test func nonFiniteWeightsAndScalesAreRejected() throws {
    var fixture = TwoTowerFixture()
    fixture.w[1][2] = .nan
    expectRejected(fixture.builder().serializeUnchecked(), containing: "(w): value 6 is not finite")

    let ranker = RankerFixture().builder()
    let w1 = ranker.tensors.firstIndex { $0.name == "w1" }!
    ranker.tensors[w1].quantization = .perChannel(scales: [1, 1, .infinity, 1, 1], zeroPoints: nil, axis: 0)
    expectRejected(ranker.serializeUnchecked(), containing: "quantization scale 2 is not a finite positive number")

    // The quantizer refuses non-finite rows, so the scale of row 3 is overwritten in the bytes.
    let big = TwoTowerFixture(encoding: .rowWise8).builder()
    let table = big.tensors.firstIndex { $0.name == "item_table" }!
    let stride = RowWiseLayout.rowBytes(type: .uint8, width: 4)
    for (i, byte) in Encoding.bytes([Float.infinity]).enumerated() { big.buffers[big.tensors[table].buffer][3 * stride + 4 + i] = byte }
    expectRejected(big.serializeUnchecked(), containing: "row 3 has a non-finite scale or bias")
  }

  @Test func anUnsortedVocabularyIsRejected() throws {
    let m = TwoTowerFixture().builder()
    let vocabulary = m.tensors.firstIndex { $0.name == "item.vocabulary" }!
    m.buffers[m.tensors[vocabulary].buffer] = Encoding.bytes([100, 300, 200, 400, 500, 600, 700] as [Int64])
    expectRejected(m.serializeUnchecked(), containing: "feature 1 (item): vocabulary is not sorted at position 2")
  }

  @Test func aTamperedMemoryPlanIsRejected() throws {
    // serializeUnchecked stores -1 for every offset.
    expectRejected(TwoTowerFixture().builder().serializeUnchecked(), containing: "memory plan: tensor")
  }

  @Test func newerFormatsAndUnknownOpsAreUnsupported() throws {
    let newer = TwoTowerFixture().builder()
    let next = ModelLoader.formatVersion + 1
    newer.formatVersion = UInt32(next)
    expectRejected(
      newer.serializeUnchecked(), .unsupported,
      containing: "format version \(next) is newer than this library reads (\(ModelLoader.formatVersion))")

    let unknownOp = TwoTowerFixture().builder()
    unknownOp.ops[1].code = 200
    expectRejected(unknownOp.serializeUnchecked(), .unsupported, containing: "op 1: unknown op code 200")
  }

  @Test func opsMustComeAfterTheirInputs() throws {
    let m = TwoTowerFixture().builder()
    m.ops.swapAt(0, 1)
    expectRejected(m.serializeUnchecked(), containing: "is not computed before this op")
  }

  @Test func missingPiecesAreNamed() throws {
    let noScore = TwoTowerFixture().builder()
    noScore.signatures.removeAll()
    expectRejected(noScore.serializeUnchecked(), containing: "model has no \"score\" signature")

    let noCatalog = TwoTowerFixture().builder()
    noCatalog.catalog = nil
    expectRejected(noCatalog.serializeUnchecked(), containing: "the \"recommend\" signature needs a catalog")

    let badPopularity = TwoTowerFixture().builder()
    badPopularity.catalog?.popularity = [1, 9]
    expectRejected(badPopularity.serializeUnchecked(), containing: "catalog: popularity entry 1 is row 9 (have 7 items)")
  }

  /// CSR row offsets of a sparse weight and the bag offsets of an embedding bag are checked alike.
  @Test func badCSRAndBagOffsetsAreNamed() throws {
    func model(_ tensor: String, _ values: [Int32]) -> (bytes: [UInt8], index: (String) -> Int) {
      let m = everyFieldModel()
      let t = m.tensors.firstIndex { $0.name == tensor }!
      m.buffers[m.tensors[t].buffer] = Encoding.bytes(values)
      return (m.serializeUnchecked(), { name in m.tensors.firstIndex { $0.name == name }! })
    }
    // w3 is [4, 4] with row offsets [0, 2, 3, 3, 5] and columns [0, 3, 1, 0, 2].
    var bad = model("w3.row_offsets", [1, 2, 3, 3, 5])
    expectRejected(bad.bytes, containing: "tensor \(bad.index("w3")) (w3): row offsets must run from 0 to 5")
    bad = model("w3.row_offsets", [0, 2, 3, 3, 4])
    expectRejected(bad.bytes, containing: "tensor \(bad.index("w3")) (w3): row offsets must run from 0 to 5")
    bad = model("w3.row_offsets", [0, 3, 2, 3, 5])
    expectRejected(bad.bytes, containing: "tensor \(bad.index("w3")) (w3): row offsets decrease at row 1")
    bad = model("w3.columns", [0, 3, 4, 0, 2])
    expectRejected(bad.bytes, containing: "tensor \(bad.index("w3")) (w3): nonzero 2 has column 4, width is 4")
    bad = model("w3.columns", [0, 3, -1, 0, 2])
    expectRejected(bad.bytes, containing: "tensor \(bad.index("w3")) (w3): nonzero 2 has column -1, width is 4")
    // The genre bag: 7 item rows, offsets [0, 1, 3, 3, 4, 5, 6, 7], values [0, 1, 2, 0, 1, 2, 0] into 3 rows.
    bad = model("genres.offsets", [1, 1, 3, 3, 4, 5, 6, 7])
    expectRejected(bad.bytes, containing: "(EMBEDDING_BAG): bag offsets must run from 0 to 7")
    bad = model("genres.offsets", [0, 1, 3, 3, 4, 5, 6, 6])
    expectRejected(bad.bytes, containing: "(EMBEDDING_BAG): bag offsets must run from 0 to 7")
    bad = model("genres.offsets", [0, 4, 3, 3, 4, 5, 6, 7])
    expectRejected(bad.bytes, containing: "(EMBEDDING_BAG): bag offsets decrease at row 1")
    bad = model("genres.values", [0, 1, 2, 0, 3, 2, 0])
    expectRejected(bad.bytes, containing: "(EMBEDDING_BAG): bag value 4 is row 3, tensor \(bad.index("genre_table")) (genre_table) has 3")
    bad = model("genres.values", [0, 1, 2, -2, 1, 2, 0])
    expectRejected(bad.bytes, containing: "(EMBEDDING_BAG): bag value 3 is row -2, tensor \(bad.index("genre_table")) (genre_table) has 3")
  }
}
