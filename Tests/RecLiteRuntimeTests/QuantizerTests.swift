// The quantizers' round-trip error bounds and their refusals (no NaN or infinite scale ever
// reaches a file), and the sparse (CSR) dense kernel against the reference dense kernel.

@testable import RecLiteRuntime
import Testing
@testable import RecLiteWriter

@Suite struct QuantizerTests {
  /// Rows that stress the parameters: random, constant, one outlier, all zero, tiny and large ranges.
  static func hardRows(width: Int) -> [[Float]] {
    var random = TestRandom(state: 41)
    var rows = (0..<6).map { _ in (0..<width).map { _ in random.next() } }
    rows.append([Float](repeating: 0.37, count: width))
    rows.append([Float](repeating: 0, count: width))
    rows.append((0..<width).map { $0 == width / 2 ? 9 : random.next() * 0.01 })
    rows.append((0..<width).map { _ in random.next() * 1e-6 + 3 })
    rows.append((0..<width).map { _ in random.next() * 3000 })
    rows.append((0..<width).map { _ in -abs(random.next()) - 40 })
    return rows
  }

  @Test(arguments: [8, 4], [1, 2, 3, 7, 16, 33])
  func rowWiseRoundTripStaysWithinHalfAStep(bits: Int, width: Int) throws {
    let table = Self.hardRows(width: width)
    let decoded = Decode.rowWise(table, bits: bits)
    let levels = Float((1 << bits) - 1)
    for (r, row) in table.enumerated() {
      let low = row.min()!, high = row.max()!
      if low == high {
        // A constant row decodes exactly (int8: the float32 bias; int4: a float16 bias and step
        // that reach it, within float16's rounding of the value).
        let tolerance: Float = bits == 8 ? 0 : abs(low) * 0x1p-10
        for (j, v) in decoded[r].enumerated() { #expect(abs(v - row[j]) <= tolerance, "row \(r) [\(j)]: \(v) vs \(row[j])") }
        continue
      }
      // Half a step; int4's float16 bias is rounded down and its step up (one float16 ulp each).
      let slack: Float = bits == 8 ? 1e-6 : 0x1p-10
      let step = ((high - low) + abs(low) * slack) / levels * (1 + slack)
      for (j, v) in decoded[r].enumerated() {
        #expect(v.isFinite)
        #expect(abs(v - row[j]) <= step / 2 + abs(row[j]) * 1e-6, "\(bits)-bit row \(r) [\(j)]: \(v) vs \(row[j]), step \(step)")
      }
    }
  }

  @Test(arguments: [8, 4])
  func rowWiseRefusesNonFiniteValuesNamingTheRow(bits: Int) {
    for bad in [Float.nan, .infinity, -.infinity] {
      let table: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, bad]
      #expect {
        try Quantize.rowWise(table, rows: 2, width: 3, bits: bits, name: "items")
      } throws: { error in
        "\(error)".contains("items: row 1, column 2")
      }
    }
  }

  @Test func rowWiseRefusesRangesNoFiniteScaleSpans() {
    // int8: a range beyond float32 would make an infinite scale.
    #expect(throws: ModelWriterError.self) {
      try Quantize.rowWise([-3e38, 3e38], rows: 1, width: 2, bits: 8, name: "t")
    }
    // int4: float16 scale and bias cannot hold 70,000.
    #expect {
      try Quantize.rowWise([0, 70_000], rows: 1, width: 2, bits: 4, name: "t")
    } throws: { error in
      "\(error)".contains("use int8 rows")
    }
    #expect(throws: ModelWriterError.self) { try Quantize.rowWise([0, 1], rows: 1, width: 2, bits: 3) }
  }

  @Test func everyStoredScaleAndBiasIsFinite() throws {
    for bits in [8, 4] {
      let table = Self.hardRows(width: 5)
      let bytes = try Quantize.rowWise(flat(table), rows: table.count, width: 5, bits: bits)
      let codeBytes = bits == 8 ? 5 : 3
      let stride = bytes.count / table.count
      for r in table.indices {
        let base = r * stride + codeBytes
        let parameters: [Float] = bits == 8
          ? (0..<2).map { k in Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[base + 4 * k + $1]) << (8 * $1) }) }
          : (0..<2).map { k in Float(Float16(bitPattern: UInt16(bytes[base + 2 * k]) | UInt16(bytes[base + 2 * k + 1]) << 8)) }
        #expect(parameters.allSatisfy { $0.isFinite }, "\(bits)-bit row \(r): scale and bias \(parameters)")
        #expect(parameters[0] >= 0, "\(bits)-bit row \(r): scale \(parameters[0])")
      }
    }
  }

  @Test func perChannelInt8StaysWithinHalfAStepPerRow() throws {
    let weight = Self.hardRows(width: 9)
    let decoded = Decode.perChannelInt8(weight)
    for (o, row) in weight.enumerated() {
      let step = (row.map(abs).max() ?? 0) / 127
      for (i, v) in decoded[o].enumerated() {
        #expect(abs(v - row[i]) <= step / 2 * (1 + 1e-5) + 1e-12, "row \(o) [\(i)]: \(v) vs \(row[i])")
      }
    }
    let zero = try Quantize.perChannelInt8([0, 0, 0, 1], outputs: 2, inputs: 2)
    #expect(zero.scales[0] == 1 && zero.bytes[0] == 0 && zero.bytes[1] == 0)
    #expect(throws: ModelWriterError.self) { try Quantize.perChannelInt8([0, .nan], outputs: 1, inputs: 2) }
    #expect(throws: ModelWriterError.self) { try Quantize.float16([70_000]) }
  }

  /// The sparse kernel (CSR, 8 rows transposed at a time) gives the reference dense kernel's
  /// outputs for every sparsity, batch size and shape, float32 and int8 values alike.
  @Test(arguments: [false, true])
  func sparseDenseMatchesTheReference(int8: Bool) throws {
    var random = TestRandom(state: 17)
    for rows in [1, 3, 8, 9, 17] {
      for (inputs, outputs) in [(1, 1), (7, 3), (16, 16), (33, 10)] {
        for sparsity in [0.0, 0.5, 0.9, 1.0] {
          var dense = (0..<(outputs * inputs)).map { _ in random.next() }
          for i in dense.indices where abs(random.next()) < Float(sparsity) { dense[i] = 0 }
          let csr = Quantize.csr(dense, rows: outputs, columns: inputs)
          var scales = [Float](repeating: 1, count: outputs)
          let values: StoredTensor
          if int8 {
            let q = try Quantize.perChannelInt8(dense, outputs: outputs, inputs: inputs)
            scales = q.scales
            let kept = dense.indices.filter { dense[$0] != 0 }.map { q.bytes[$0] }
            values = StoredTensor(bytes: kept, type: .int8, rows: outputs, columns: inputs)
            values.info.quantization.kind = .perChannel
            values.info.quantization.scaleCount = outputs
          } else {
            values = StoredTensor(bytes: Encoding.bytes(csr.values), type: .float32, rows: outputs, columns: inputs)
          }
          let offsets = StoredTensor(bytes: Encoding.bytes(csr.rowOffsets), type: .int32, rows: outputs + 1, columns: 1)
          let columns = StoredTensor(bytes: Encoding.bytes(csr.columns), type: .int32, rows: csr.columns.count, columns: 1)
          let x = (0..<(rows * inputs)).map { _ in random.next() * 2 }
          let bias = (0..<outputs).map { _ in random.next() }
          try scales.withUnsafeBufferPointer { s in
            values.info.quantization.scales = s.baseAddress
            let weight = try #require(WeightView(values.info, rowOffsets: offsets.info, columns: columns.info))
            let expected = KernelTests().run(x, rows: rows, inputs: inputs, outputs: outputs) { xv, out in
              ReferenceKernels.dense(x: xv, weight: weight, bias: bias, rows: rows, out: out)
            }
            let packed = try bias.withUnsafeBufferPointer { try PackedSparse(weight, bias: $0.baseAddress) }
            var scratch = [Float](repeating: .nan, count: packed.scratchFloats)
            for relu in [false, true] {
              let got = KernelTests().run(x, rows: rows, inputs: inputs, outputs: outputs) { xv, out in
                scratch.withUnsafeMutableBufferPointer {
                  OptimizedKernels.sparseDense(x: xv, layer: packed, rows: rows, out: out, relu: relu, scratch: $0.baseAddress!)
                }
              }
              for i in expected.indices {
                let want = relu ? max(expected[i], 0) : expected[i]
                #expect(close(got[i], want, tolerance: 1e-5 * Float(inputs + 1)),
                        "rows \(rows) \(inputs)→\(outputs) sparsity \(sparsity) relu \(relu) [\(i)]: \(got[i]) vs \(want)")
              }
            }
          }
        }
      }
    }
  }
}
