// Optimized kernels against the reference ones, and the small numeric pieces
// (float16, top-k keys, the memory planner) against their definitions.

@testable import RecLiteRuntime
import Testing
@testable import RecLiteWriter

/// A stored tensor for building kernel views in tests.
final class StoredTensor {
  let memory: UnsafeMutableRawPointer
  var info = TensorInfo()

  init(bytes: [UInt8], type: ElementType, rows: Int, columns: Int, quantization: Quantization = Quantization()) {
    memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
    memory.copyMemory(from: bytes, byteCount: bytes.count)
    info.type = type
    info.rank = 2
    info.dims = (rows, columns)
    info.bufferIndex = 1
    info.data = UnsafeRawPointer(memory)
    info.byteCount = bytes.count
    info.quantization = quantization
  }

  deinit { memory.deallocate() }
}

@Suite struct KernelTests {
  enum WeightKind: CaseIterable { case float32, int8PerChannel, int8PerTensorWithZeroPoint }

  @Test(arguments: WeightKind.allCases)
  func optimizedDenseMatchesReference(kind: WeightKind) throws {
    var random = TestRandom(state: 3)
    for rows in [1, 2, 3, 4, 5, 9] {
      for inputs in [1, 7, 8, 9, 16, 33] {
        for outputs in [1, 3, 8, 16, 17, 32, 40] {
          let w = (0..<(outputs * inputs)).map { _ in random.next() }
          let x = (0..<(rows * inputs)).map { _ in random.next() * 3 }
          let bias = (0..<outputs).map { _ in random.next() }
          var scales = [Float](repeating: 0.01, count: outputs)
          var zeroPoints = [Int32](repeating: 0, count: outputs)
          let stored: StoredTensor
          switch kind {
          case .float32:
            stored = StoredTensor(bytes: Encoding.bytes(w), type: .float32, rows: outputs, columns: inputs)
          case .int8PerChannel, .int8PerTensorWithZeroPoint:
            let perChannel = kind == .int8PerChannel
            var q = Quantization()
            q.kind = perChannel ? .perChannel : .perTensor
            if perChannel {
              let encoded = try Quantize.perChannelInt8(w, outputs: outputs, inputs: inputs)
              scales = encoded.scales
              stored = StoredTensor(bytes: encoded.bytes, type: .int8, rows: outputs, columns: inputs)
            } else {
              zeroPoints = [Int32](repeating: -3, count: outputs)
              stored = StoredTensor(
                bytes: w.map { UInt8(bitPattern: Int8(max(-128, min(127, ($0 * 100).rounded())))) }, type: .int8,
                rows: outputs, columns: inputs)
            }
            q.scaleCount = perChannel ? outputs : 1
            q.zeroPointCount = perChannel ? 0 : 1
            stored.info.quantization = q
          }
          try scales.withUnsafeBufferPointer { s in
            try zeroPoints.withUnsafeBufferPointer { z in
              stored.info.quantization.scales = s.baseAddress
              stored.info.quantization.zeroPoints = z.baseAddress
              let weight = try #require(WeightView(stored.info, rowOffsets: nil, columns: nil))
              let expected = run(x, rows: rows, inputs: inputs, outputs: outputs) { xv, out in
                ReferenceKernels.dense(x: xv, weight: weight, bias: bias, rows: rows, out: out)
              }
              let packed = try bias.withUnsafeBufferPointer { try PackedDense(weight, bias: $0.baseAddress) }
              for relu in [false, true] {
                let got = run(x, rows: rows, inputs: inputs, outputs: outputs) { xv, out in
                  OptimizedKernels.packedDense(x: xv, layer: packed, rows: rows, out: out, relu: relu)
                }
                for i in expected.indices {
                  let want = relu ? max(expected[i], 0) : expected[i]
                  #expect(close(got[i], want, tolerance: 1e-5 * Float(inputs)),
                          "rows \(rows) inputs \(inputs) outputs \(outputs) relu \(relu) [\(i)]: \(got[i]) vs \(want)")
                }
              }
            }
          }
        }
      }
    }
  }

  @Test(arguments: TableEncoding.allCases, [false, true])
  func optimizedEmbeddingLookupMatchesReference(encoding: TableEncoding, remapped: Bool) throws {
    var random = TestRandom(state: 29)
    for width in [1, 3, 8, 12, 17, 32] {
      let rows = 11
      let table = random.matrix(rows, width)
      let m = ModelBuilder()
      let tensor = encoding.constant(m, "t", table)
      let bytes = m.buffers[m.tensors[tensor.index].buffer]
      let type: ElementType = m.tensors[tensor.index].type
      let stored = StoredTensor(bytes: bytes, type: type, rows: rows, columns: width)
      if encoding == .rowWise8 || encoding == .rowWise4 { stored.info.quantization.kind = .rowWise }
      // Logical rows 0..<13: with a remap, row 4 is pruned and the rest run backwards.
      let remap: [Int32] = (0..<13).map { $0 == 4 ? -1 : Int32((20 - $0) % rows) }
      let remapTensor = StoredTensor(bytes: Encoding.bytes(remap), type: .int32, rows: 13, columns: 1)
      remapTensor.info.rank = 1
      let view = try #require(TableView(stored.info, remap: remapped ? remapTensor.info : nil))
      var ids: [Int32] = remapped ? [0, 4, 12, 3, 4, 7, 1] : [0, 10, 3, 3, 7, 1]
      let expected = run(ids.map { _ in 0 }, rows: ids.count, inputs: 1, outputs: width) { _, out in
        ids.withUnsafeMutableBufferPointer { ReferenceKernels.embeddingLookup(view, ids: $0.baseAddress!, count: $0.count, out: out) }
      }
      let got = run(ids.map { _ in 0 }, rows: ids.count, inputs: 1, outputs: width) { _, out in
        ids.withUnsafeMutableBufferPointer { OptimizedKernels.embeddingLookup(view, ids: $0.baseAddress!, count: $0.count, out: out) }
      }
      for i in expected.indices {
        #expect(close(got[i], expected[i], tolerance: 1e-6), "\(encoding) width \(width) [\(i)]: \(got[i]) vs \(expected[i])")
      }
    }
  }

  /// Runs a dense kernel over `x` and returns its output.
  func run(_ x: [Float], rows: Int, inputs: Int, outputs: Int, _ kernel: (MatrixView, MatrixView) -> Void) -> [Float] {
    var input = x
    var out = [Float](repeating: .nan, count: rows * outputs)
    input.withUnsafeMutableBufferPointer { xp in
      out.withUnsafeMutableBufferPointer { op in
        kernel(
          MatrixView(base: xp.baseAddress!, width: inputs, rowStride: inputs),
          MatrixView(base: op.baseAddress!, width: outputs, rowStride: outputs))
      }
    }
    return out
  }

  @Test func optimizedFMAndReLUMatchReference() {
    var random = TestRandom(state: 23)
    for fields in 2...5 {
      for width in [1, 3, 8, 13, 64] {
        for rows in [1, 4, 7] {
          // Field 0 has one row broadcast to all (a request-stage input), the others one per row.
          let pointers = (0..<fields).map { f -> UnsafeMutablePointer<Float> in
            let count = (f == 0 ? 1 : rows) * width
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for i in 0..<count { p[i] = random.next() }
            return p
          }
          defer { pointers.forEach { $0.deallocate() } }
          var reference = [Float](repeating: .nan, count: rows)
          var optimized = [Float](repeating: .nan, count: rows)
          let view = { (f: Int) in MatrixView(base: pointers[f], width: width, rowStride: f == 0 ? 0 : width) }
          reference.withUnsafeMutableBufferPointer { out in
            ReferenceKernels.fmInteraction(fieldCount: fields, field: view, rows: rows, out: MatrixView(base: out.baseAddress!, width: 1, rowStride: 1))
          }
          optimized.withUnsafeMutableBufferPointer { out in
            OptimizedKernels.fmInteraction(fieldCount: fields, field: view, rows: rows, out: MatrixView(base: out.baseAddress!, width: 1, rowStride: 1))
          }
          for r in 0..<rows {
            #expect(close(optimized[r], reference[r], tolerance: 1e-5 * Float(width * fields)), "fields \(fields) width \(width) row \(r)")
          }
        }
      }
    }
    var values: [Float] = (0..<37).map { _ in random.next() } + [.nan, -.infinity, .infinity, -0.0]
    var expected = values
    expected.withUnsafeMutableBufferPointer {
      ReferenceKernels.activate(.relu, rows: 1, out: MatrixView(base: $0.baseAddress!, width: $0.count, rowStride: $0.count))
    }
    values.withUnsafeMutableBufferPointer { OptimizedKernels.relu($0.baseAddress!, count: $0.count) }
    #expect(values.map(\.bitPattern) == expected.map(\.bitPattern))
  }

  @Test func halfConversionRoundTripsEveryFloat16() {
    for bits in UInt16.min...UInt16.max {
      let half = Float16(bitPattern: bits)
      let mine = Half.toFloat(bits)
      if half.isNaN {
        #expect(mine.isNaN)
        continue
      }
      #expect(mine == Float(half), "bits \(bits)")
      #expect(Half.fromFloat(mine) == bits, "bits \(bits)")
    }
  }

  @Test func halfRoundingMatchesFloat16() {
    var random = TestRandom(state: 11)
    for _ in 0..<100_000 {
      let value = random.next() * Float(1 << Int(abs(random.next()) * 20)) * 1.0e-3
      #expect(Half.fromFloat(value) == Float16(value).bitPattern, "value \(value)")
    }
    for value: Float in [65_504, 65_519, 65_520, 1e9, -1e9, 5.96e-8, 2.98e-8, 1e-10, .infinity, -.infinity] {
      #expect(Half.fromFloat(value) == Float16(value).bitPattern, "value \(value)")
    }
  }

  @Test func topKKeepsTheBestInOrder() {
    var random = TestRandom(state: 5)
    for trial in 0..<200 {
      let n = 1 + trial % 37
      let k = 1 + trial % 11
      // Coarse scores make ties common; a few NaNs rank last.
      let scores: [Float] = (0..<n).map { i in i % 13 == 5 ? .nan : (random.next() * 4).rounded() / 4 }
      var storage = [UInt64](repeating: 0, count: k)
      let kept = storage.withUnsafeMutableBufferPointer { buffer -> [(Int, Float)] in
        var heap = TopKHeap(storage: buffer.baseAddress!, capacity: k)
        for (row, score) in scores.enumerated() { heap.offer(score: score, row: row) }
        heap.sortDescending()
        return (0..<heap.count).map { (TopKHeap.row(of: buffer[$0]), TopKHeap.score(of: buffer[$0])) }
      }
      let expected = scores.enumerated().sorted { a, b in
        if a.element.isNaN != b.element.isNaN { return !a.element.isNaN }
        if !a.element.isNaN && a.element != b.element { return a.element > b.element }
        return a.offset < b.offset
      }.prefix(k)
      #expect(kept.map(\.0) == expected.map(\.offset), "trial \(trial)")
      for (got, want) in zip(kept.map(\.1), expected.map(\.element)) {
        #expect(got == want || (got.isNaN && want.isNaN))
      }
    }
  }

  @Test func plannedBuffersNeverOverlapWhileAlive() throws {
    var random = TestRandom(state: 17)
    for _ in 0..<300 {
      let requests = (0..<(1 + Int(abs(random.next()) * 30))).map { _ -> PlanRequest in
        let first = Int(abs(random.next()) * 20)
        return PlanRequest(size: 1 + Int(abs(random.next()) * 5000), firstUse: first, lastUse: first + Int(abs(random.next()) * 8))
      }
      let (offsets, total) = try MemoryPlanner.plan(requests)
      var peak = 0
      for step in 0..<30 {
        peak = max(peak, requests.filter { $0.firstUse <= step && step <= $0.lastUse }.map(\.size).reduce(0, +))
      }
      #expect(total >= peak)
      for (i, a) in requests.enumerated() {
        #expect(offsets[i] % MemoryPlanner.alignment == 0)
        #expect(offsets[i] + a.size <= total)
        for (j, b) in requests.enumerated() where j > i && a.firstUse <= b.lastUse && b.firstUse <= a.lastUse {
          #expect(offsets[i] + a.size <= offsets[j] || offsets[j] + b.size <= offsets[i], "live buffers \(i) and \(j) overlap")
        }
      }
    }
  }
}
