// The writer's FlatBuffers field slots against the flatc-generated C++ reader:
// a model that sets every field of every table of schema/reclite.fbs (each to
// a value other than its default, and different from its neighbours) is
// written by RecLiteWriter and read back field by field through the C++
// verifier and reader (the rlf_* functions). A field written to the wrong
// slot reads back wrong, or fails verification.

import CRecLite
import CRecLiteFormat
import Foundation
import RecLiteRuntime
import Testing
@testable import RecLiteWriter

/// A small valid model that uses every table and field of the schema.
func everyFieldModel() -> ModelBuilder {
  var random = TestRandom(state: 41)
  let d = 4
  let m = ModelBuilder(description: "every field of every table")
  // Features: a vocabulary with an out-of-vocabulary row apart from the known rows, a plain
  // vocabulary, and an identity context feature (no vocabulary).
  let user = m.feature("user", kind: .user, vocabulary: [10, 20, 30], oovRow: 4)
  let item = m.feature("item", kind: .item, vocabulary: [100, 200, 300, 400, 500, 600])
  let hour = m.feature("hour", kind: .context, identityRows: 24)

  // User side: a float32 table with a row remap (row 2 pruned), a row-wise uint8 table.
  let userTable = m.constant("user_table", floats: flat(random.matrix(4, d)), shape: [4, d])
  m.setRowRemap(userTable, [0, 1, -1, 2, 3])
  let hourTable = m.constant(
    "hour_table", type: .uint8, shape: [25, d], bytes: try! Quantize.rowWise(flat(random.matrix(25, d)), rows: 25, width: d, bits: 8),
    quantization: .rowWise)
  let userSide = m.add(
    "user_side", m.embeddingLookup("u", table: userTable, ids: user), m.embeddingLookup("h", table: hourTable, ids: hour),
    activation: .relu)

  // Item side: a float32 table, a float16 table pooled by mean over a bag per item row.
  let itemVector = m.embeddingLookup(
    "iv", table: m.constant("item_table", floats: flat(random.matrix(7, d)), shape: [7, d]), ids: item)
  let genreTable = m.constant("genre_table", type: .float16, shape: [3, d], bytes: try! Quantize.float16(flat(random.matrix(3, d))))
  let genres = m.embeddingBag(
    "genres", table: genreTable, ids: item, offsets: [0, 1, 3, 3, 4, 5, 6, 7], values: [0, 1, 2, 0, 1, 2, 0], mode: .mean)
  let x = m.concat("x", [itemVector, genres])

  // Dense layers: int8 per tensor with a zero point, int8 per output channel with zero points,
  // float32 stored as CSR.
  func int8s(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(bitPattern: Int8(random.next() * 100)) } }
  let w1 = m.constant(
    "w1", type: .int8, shape: [d, 2 * d], bytes: int8s(d * 2 * d), quantization: .perTensor(scale: 0.02, zeroPoint: 3))
  let y1 = m.dense("y1", x, weight: w1, bias: m.constant("b1", floats: [0.1, -0.2, 0.3, -0.4], shape: [d]), activation: .relu)
  let w2 = m.constant(
    "w2", type: .int8, shape: [d, d], bytes: int8s(d * d),
    quantization: .perChannel(scales: [0.01, 0.02, 0.03, 0.04], zeroPoints: [-2, 0, 1, 5], axis: 0))
  let y2 = m.dense("y2", y1, weight: w2, bias: nil)
  let w3 = m.constant("w3", floats: [0.5, -0.25, 0.75, 1.5, -1], shape: [d, d])
  m.makeSparse(w3, rowOffsets: [0, 2, 3, 3, 5], columns: [0, 3, 1, 0, 2])
  let y3 = m.dense("y3", y2, weight: w3, bias: nil, activation: .sigmoid)
  // Stored, read by no op: quantized along axis 1 (one scale per column), and packed uint4 rows.
  _ = m.constant(
    "column_quantized", type: .int8, shape: [2, 3], bytes: int8s(6),
    quantization: .perChannel(scales: [0.5, 0.25, 0.125], zeroPoints: [1, -1, 0], axis: 1))
  _ = m.constant(
    "packed_rows", type: .uint4, shape: [2, 5], bytes: try! Quantize.rowWise(flat(random.matrix(2, 5)), rows: 2, width: 5, bits: 4),
    quantization: .rowWise)
  // Format 2: a mixed-precision table (rows 1 and 3 of 4 in a uint4 part), read by no op, and a
  // UINT8 index vector (narrow bag values are what the exporters write).
  _ = try! m.table("mixed_rows", flat(random.matrix(4, 5)), rows: 4, width: 5, storage: .mixed(int8Rows: [true, false, true, false]))
  m.narrowIndices = true
  _ = m.constant("narrow_indices", indices: [0, 7, 255])
  m.narrowIndices = false

  let s1 = m.dot("s1", userSide, y3)
  let s2 = m.fmInteraction("s2", [userSide, y3, itemVector])
  let logit = m.add("logit", s1, m.mul("s3", s1, s2))
  m.outputs(scores: m.sigmoid("score", logit))
  m.catalog(item: item, titles: ["Alpha", "Beta", "Gamma", "Délta", "", "Zeta"], popularity: [3, 0, 5, 1])
  m.metadata("producer", "FormatRoundTripTests")
  m.metadata("b.key", "ünïcode")
  m.metadata("a", "")
  return m
}

func string(_ s: rlf_string) -> String? {
  s.data.map { String(cString: $0) }
}

func array<T>(_ pointer: UnsafePointer<T>?, _ count: UInt32) -> [T] {
  guard let pointer else { return [] }
  return Array(UnsafeBufferPointer(start: pointer, count: Int(count)))
}

@Suite struct FormatRoundTripTests {
  /// The fixture would not catch a swapped slot if a field kept its default value.
  @Test func theModelSetsEveryFieldToANonDefaultValue() {
    let m = everyFieldModel()
    #expect(m.tensors.contains { $0.rowRemap >= 0 })
    #expect(m.tensors.contains { $0.splitTable >= 0 && $0.rowSplit >= 0 })
    #expect(m.tensors.contains { $0.sparsity != nil })
    #expect(Set(m.tensors.map(\.type)) == Set(ElementType.allCases))
    #expect(m.tensors.contains { if case .perTensor(_, let zeroPoint) = $0.quantization { zeroPoint != 0 } else { false } })
    #expect(m.tensors.contains { if case .perChannel(_, let zeroPoints?, 1) = $0.quantization { !zeroPoints.isEmpty } else { false } })
    #expect(m.tensors.contains { if case .rowWise = $0.quantization { true } else { false } })
    #expect(Set(m.ops.map(\.code)) == Set(OpCode.allCases.map(\.rawValue)))
    #expect(Set(m.ops.map(\.activation)) == Set(Activation.allCases))
    #expect(Set(m.ops.map(\.bagMode)) == Set(BagMode.allCases))
    #expect(Set(m.features.map(\.kind)) == Set(FeatureKind.allCases))
    #expect(m.features.contains { $0.vocabulary >= 0 } && m.features.contains { $0.vocabulary < 0 })
    #expect(m.features.contains { $0.rowCount != $0.oovRow })
    #expect(m.catalog?.titles?.isEmpty == false && m.catalog?.popularity.isEmpty == false)
    #expect(m.metadata.count >= 2 && !m.description.isEmpty)
  }

  @Test func everyFieldOfEveryTableReadsBackThroughTheCppReader() throws {
    let m = everyFieldModel()
    let maxBatch = 7
    let bytes = try m.serialize(maxBatch: maxBatch)
    let planned = try bytes.withUnsafeBufferPointer { raw in
      try ModelLoader.load(bytes: raw.baseAddress!, length: raw.count, plan: .recompute)
    }
    bytes.withUnsafeBufferPointer { raw in
      let file = raw.baseAddress!
      var stored: UInt32 = 0
      var computed: UInt32 = 0
      #expect(rlf_verify(file, raw.count, 0, &stored, &computed) == RLF_VERIFY_OK)

      // Model
      var info = rlf_model_info()
      rlf_model_info_get(file, &info)
      #expect(info.format_version == m.writtenFormatVersion)
      var zeroed = bytes
      let at = rlf_checksum_offset(file)
      for i in 0..<4 { zeroed[at + i] = 0 }
      #expect(info.checksum == zeroed.withUnsafeBufferPointer { rlf_crc32(0, $0.baseAddress, $0.count) })
      #expect(string(info.description) == m.description)
      #expect(info.buffer_count == UInt32(m.buffers.count))
      #expect(info.tensor_count == UInt32(m.tensors.count))
      #expect(info.op_count == UInt32(m.ops.count))
      #expect(info.feature_count == UInt32(m.features.count))
      #expect(info.signature_count == UInt32(m.signatures.count))
      #expect(info.metadata_count == UInt32(m.metadata.count))
      #expect(info.has_catalog == 1 && info.has_plan == 1)

      // BufferRef: offset and size; the bytes at the offset are the buffer's.
      for (index, expected) in m.buffers.enumerated() {
        var offset: UInt64 = 0
        var size: UInt64 = 0
        rlf_buffer_get(file, UInt32(index), &offset, &size)
        #expect(size == UInt64(expected.count), "buffer \(index)")
        #expect(index == 0 ? offset == 0 : offset % 64 == 0 && offset > 0, "buffer \(index) at \(offset)")
        #expect(Array(bytes[Int(offset)..<(Int(offset) + Int(size))]) == expected, "buffer \(index)")
      }

      // Tensor, Quantization, Sparsity
      for (index, expected) in m.tensors.enumerated() {
        var t = rlf_tensor()
        rlf_tensor_get(file, UInt32(index), &t)
        #expect(string(t.name) == expected.name)
        #expect(t.dtype == expected.type.rawValue, "\(expected.name)")
        #expect(array(t.shape, t.rank) == expected.shape, "\(expected.name)")
        #expect(t.buffer == UInt32(expected.buffer), "\(expected.name)")
        #expect(t.row_remap == Int32(expected.rowRemap), "\(expected.name)")
        #expect(t.split_table == Int32(expected.splitTable), "\(expected.name)")
        #expect(t.row_split == Int32(expected.rowSplit), "\(expected.name)")
        let quantization: (kind: QuantizationKind, scales: [Float], zeroPoints: [Int32], axis: Int32)
        switch expected.quantization {
        case .none: quantization = (.none, [], [], 0)
        case .rowWise: quantization = (.rowWise, [], [], 0)
        case .perTensor(let scale, let zeroPoint): quantization = (.perTensor, [scale], [zeroPoint], 0)
        case .perChannel(let scales, let zeroPoints, let axis): quantization = (.perChannel, scales, zeroPoints ?? [], Int32(axis))
        }
        #expect(t.quant_kind == quantization.kind.rawValue, "\(expected.name)")
        #expect(array(t.scale, t.scale_count) == quantization.scales, "\(expected.name)")
        #expect(array(t.zero_point, t.zero_point_count) == quantization.zeroPoints, "\(expected.name)")
        #expect(t.quant_axis == quantization.axis, "\(expected.name)")
        #expect((t.has_sparsity != 0) == (expected.sparsity != nil), "\(expected.name)")
        #expect(t.sparse_row_offsets == Int32(expected.sparsity?.rowOffsets ?? -1), "\(expected.name)")
        #expect(t.sparse_col_indices == Int32(expected.sparsity?.columns ?? -1), "\(expected.name)")
      }

      // Op
      for (index, expected) in m.ops.enumerated() {
        var op = rlf_op()
        rlf_op_get(file, UInt32(index), &op)
        #expect(op.code == expected.code, "op \(index)")
        #expect(array(op.inputs, op.input_count) == expected.inputs, "op \(index)")
        #expect(array(op.outputs, op.output_count) == expected.outputs, "op \(index)")
        #expect(op.activation == expected.activation.rawValue, "op \(index)")
        #expect(op.bag_mode == expected.bagMode.rawValue, "op \(index)")
      }

      // Feature
      for (index, expected) in m.features.enumerated() {
        var f = rlf_feature()
        rlf_feature_get(file, UInt32(index), &f)
        #expect(string(f.name) == expected.name)
        #expect(f.kind == expected.kind.rawValue, "\(expected.name)")
        #expect(f.vocabulary == Int32(expected.vocabulary), "\(expected.name)")
        #expect(f.num_rows == UInt32(expected.rowCount), "\(expected.name)")
        #expect(f.oov_row == UInt32(expected.oovRow), "\(expected.name)")
        #expect(f.input == Int32(expected.input), "\(expected.name)")
      }

      // Signature
      for (index, expected) in m.signatures.enumerated() {
        var s = rlf_signature()
        rlf_signature_get(file, UInt32(index), &s)
        #expect(string(s.name) == expected.name)
        #expect(array(s.outputs, s.output_count) == [Int32(expected.output)], "\(expected.name)")
      }

      // Catalog
      var catalog = rlf_catalog()
      rlf_catalog_get(file, &catalog)
      #expect(catalog.feature == UInt32(m.catalog?.feature ?? -1))
      #expect(array(catalog.popularity, catalog.popularity_count) == m.catalog?.popularity)
      let titles = (0..<catalog.title_count).map { string(rlf_catalog_title(file, $0)) }
      #expect(titles == (m.catalog?.titles ?? []).map { Optional($0) })

      // MemoryPlan: what the runtime's planner gives for this batch.
      var plan = rlf_plan()
      rlf_plan_get(file, &plan)
      #expect(plan.max_batch == UInt32(maxBatch))
      #expect(array(plan.offsets, plan.offset_count) == planned.tensors.map { Int64($0.arenaOffset) })
      #expect(plan.arena_bytes == UInt64(planned.plannedBytes) && plan.arena_bytes > 0)

      // KeyValue, sorted by key (the schema's `key` attribute).
      let keys = m.metadata.keys.sorted()
      for (index, key) in keys.enumerated() {
        var k = rlf_string()
        var v = rlf_string()
        rlf_metadata_get(file, UInt32(index), &k, &v)
        #expect(string(k) == key)
        #expect(string(v) == m.metadata[key])
      }
    }
  }
}

/// The hand-written mirrors of include/reclite.h that remain (the generated enums are checked
/// by `make check-generated`; these hold them to the compiled header as well).
@Suite struct HeaderMirrorTests {
  @Test func statusValuesAndNamesAreTheHeaders() {
    let header: [(reclite_status, StaticString)] = [
      (RECLITE_OK, "RECLITE_OK"), (RECLITE_E_INVALID_ARGUMENT, "RECLITE_E_INVALID_ARGUMENT"),
      (RECLITE_E_STRUCT_SIZE, "RECLITE_E_STRUCT_SIZE"), (RECLITE_E_BAD_MODEL, "RECLITE_E_BAD_MODEL"),
      (RECLITE_E_UNSUPPORTED, "RECLITE_E_UNSUPPORTED"), (RECLITE_E_IO, "RECLITE_E_IO"),
      (RECLITE_E_NO_MEMORY, "RECLITE_E_NO_MEMORY"), (RECLITE_E_ARENA_TOO_SMALL, "RECLITE_E_ARENA_TOO_SMALL"),
      (RECLITE_E_INTERNAL, "RECLITE_E_INTERNAL"),
    ]
    #expect(Status.allCases.count == header.count)
    for (value, name) in header {
      let status = Status(rawValue: Int32(bitPattern: value.rawValue))
      #expect(status?.name.description == name.description, "\(name)")
    }
  }

  @Test func scoreAndFeatureKindsAreTheHeaders() {
    #expect(ScoreKind.allCases.map(\.rawValue) == [RECLITE_SCORE_RAW.rawValue, RECLITE_SCORE_LOGIT.rawValue])
    // reclite_model_get_feature passes FeatureKind's raw value through as a reclite_feature_kind.
    #expect(FeatureKind.allCases.map { UInt32($0.rawValue) } == [
      RECLITE_FEATURE_USER.rawValue, RECLITE_FEATURE_ITEM.rawValue, RECLITE_FEATURE_CONTEXT.rawValue,
    ])
  }

  @Test func constantsAreTheHeaders() {
    #expect(ModelLoader.formatVersion == Int(RECLITE_FORMAT_VERSION))
    // A message always fits the C message buffers (the thread's and a session's) with its NUL,
    // so C callers get it whole.
    #expect(Message.capacity < Int(RLF_MESSAGE_CAPACITY))
    #expect(Message.capacity < Session.messageCapacity)
  }
}
