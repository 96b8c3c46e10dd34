// The item side of a linear score, repacked once at open for the recommend scan: every row a
// request can reach, in blocks of 8 rows stored column by column, so one SIMD8 multiply-add per
// column scores 8 items and no horizontal sums are needed. Row-wise quantized tables keep their
// codes (uint8; uint4 codes are widened to one byte) with the row's scale and bias beside them.

final class PackedCatalog {
  /// Items scored together: one SIMD8 lane each.
  static let lanes = 8

  let score: LinearScore
  /// The score's head, run per block of candidates, or nil.
  let head: PackedHead?
  /// Rows packed: every item row a request can reach (known rows and the OOV row).
  let rowCount: Int
  /// Σ of the dot terms' widths: the length of the request vector.
  let width: Int
  /// Float32 blocks `[block][column][lane]`, or nil when the codes are bytes.
  private let floats: UnsafeMutablePointer<Float>?
  /// Byte codes `[block][column][lane]` of a single row-wise table, with each row's scale and bias.
  private let codes: UnsafeMutablePointer<UInt8>?
  private let rowScale: UnsafeMutablePointer<Float>?
  private let rowBias: UnsafeMutablePointer<Float>?
  /// Σ of the width-1 item tables, per row.
  private let itemBias: UnsafeMutablePointer<Float>
  /// The two allocations behind the pointers above.
  private let valueMemory: AlignedMemory
  private let rowMemory: AlignedMemory

  /// Bytes the packed catalog holds (reported by `inspect`).
  let byteCount: Int

  /// Packs the tables of `score` for the item feature's reachable rows. (A convenience init:
  /// what can fail runs before the object exists — see OwnedMemory.swift.)
  convenience init(_ score: LinearScore, graph: ModelGraph, dense: [PackedDense?]) throws(RecLiteError) {
    let head = try score.head.map { head throws(RecLiteError) in try PackedHead(head, graph: graph, dense: dense) }
    let layout = PackedCatalog.Layout(score, graph)
    let values = try AlignedMemory.allocate(layout.valueBytes, for: "the packed catalog")
    let rows = try AlignedMemory.allocate(layout.rowBytes, for: "the packed catalog's row values")
    // The catalog, and the table list its init makes.
    try Fallible.reserveObject(for: "the packed catalog")
    try Fallible.reserveArray(of: TableView?.self, count: score.dots.count, for: "the packed catalog")
    self.init(score, graph: graph, head: head, layout: layout, valueMemory: values, rowMemory: rows)
  }

  /// Sizes of the packed catalog of a score.
  private struct Layout {
    let rowCount: Int
    let width: Int
    let paddedRows: Int
    /// One row-wise table: its byte codes are kept, with each row's scale and bias.
    let byteCodes: Bool
    var valueBytes: Int { paddedRows * width * (byteCodes ? 1 : 4) }
    var rowBytes: Int { paddedRows * 4 * (byteCodes ? 3 : 1) }

    init(_ score: LinearScore, _ graph: ModelGraph) {
      let item = graph.features[graph.itemFeature]
      rowCount = max(item.rowCount, item.oovRow + 1)
      var width = 0
      for dot in score.dots { width += graph.tensors[dot.table].width }
      self.width = width
      paddedRows = (rowCount + PackedCatalog.lanes - 1) / PackedCatalog.lanes * PackedCatalog.lanes
      byteCodes = score.dots.count == 1 && (PackedCatalog.table(score.dots[0].table, graph)?.isRowWise ?? false)
    }
  }

  private init(
    _ score: LinearScore, graph: ModelGraph, head: PackedHead?, layout: Layout, valueMemory: AlignedMemory,
    rowMemory: AlignedMemory
  ) {
    self.score = score
    self.head = head
    rowCount = layout.rowCount
    width = layout.width
    self.valueMemory = valueMemory
    self.rowMemory = rowMemory
    let (paddedRows, byteCodes, valueBytes, rowBytes) = (layout.paddedRows, layout.byteCodes, layout.valueBytes, layout.rowBytes)
    let tables = score.dots.map { PackedCatalog.table($0.table, graph) }
    byteCount = valueBytes + rowBytes
    let perRow = rowMemory.pointer
    let values = valueMemory.pointer
    itemBias = perRow.bindMemory(to: Float.self, capacity: rowBytes / 4)
    if byteCodes {
      floats = nil
      codes = values.bindMemory(to: UInt8.self, capacity: valueBytes)
      rowScale = itemBias + paddedRows
      rowBias = itemBias + 2 * paddedRows
    } else {
      floats = values.bindMemory(to: Float.self, capacity: valueBytes / 4)
      codes = nil
      rowScale = nil
      rowBias = nil
    }

    for row in 0..<rowCount {
      let block = row / PackedCatalog.lanes
      let lane = row % PackedCatalog.lanes
      var column = 0
      for table in tables {
        guard let table else { continue }
        for j in 0..<table.width {
          let slot = (block * width + column + j) * PackedCatalog.lanes + lane
          if let codes { codes[slot] = table.code(row: row, column: j) } else { floats?[slot] = table.value(row: row, column: j) }
        }
        column += table.width
      }
      if byteCodes, let table = tables[0] {
        let (scale, bias) = table.rowParameters(row: row)
        rowScale?[row] = scale
        rowBias?[row] = bias
      }
      var sum: Float = 0
      for t in score.itemBiases { sum += PackedCatalog.table(t, graph)?.value(row: row, column: 0) ?? 0 }
      itemBias[row] = sum
    }
  }

  private static func table(_ t: Int, _ graph: ModelGraph) -> TableView? {
    TableView(table: t, in: graph)
  }

  // MARK: Scoring

  /// What a request contributes to the score, and the session scratch the head runs in.
  struct Request {
    /// The dot terms' request vectors, concatenated (`width` values).
    let values: UnsafePointer<Float>
    /// Σ values: byte codes use Σ r·(q·s + b) = s·Σ r·q + b·Σ r.
    let sum: Float
    /// The request-stage part of the score.
    let constant: Float
    /// The head's request vector (nil when the head has none or there is no head).
    let headRequest: UnsafePointer<Float>?
    /// 8 row ids, then the head's buffers.
    let scratch: UnsafeMutableRawPointer
  }

  /// Scratch bytes a session provides (`Request.scratch`).
  var scratchBytes: Int { MemoryPlanner.alignUp(PackedCatalog.lanes * 4) + (head?.scratchFloats ?? 0) * 4 }

  /// Scores of up to 8 candidates with item rows `rows[0..<count]` (any rows): lane i is row
  /// i's score, computed with the operations of `scan`'s lanes in the same order, so a score
  /// and a recommendation of the same item give equal bits.
  func scores(rows: UnsafePointer<Int32>, count: Int, _ request: Request) -> SIMD8<Float> {
    var linear = SIMD8<Float>()
    let lanes = PackedCatalog.lanes
    for lane in 0..<count {
      let row = Int(rows[lane])
      let offset = (row / lanes) &* width &* lanes &+ row % lanes
      var acc: Float = 0
      if let codes {
        for j in 0..<width { acc = VectorMath.multiplyAdd(acc, request.values[j], Float(codes[offset &+ j &* lanes])) }
      } else if let floats {
        for j in 0..<width { acc = VectorMath.multiplyAdd(acc, request.values[j], floats[offset &+ j &* lanes]) }
      }
      if let rowScale, let rowBias { acc = VectorMath.multiplyAdd(acc * rowScale[row], rowBias[row], request.sum) }
      linear[lane] = (acc + itemBias[row]) + request.constant
    }
    return withHead(linear, rows: rows, count: count, request)
  }

  /// `linear` plus the head's output for the same rows (unchanged without a head).
  @inline(__always)
  private func withHead(_ linear: SIMD8<Float>, rows: UnsafePointer<Int32>, count: Int, _ request: Request) -> SIMD8<Float> {
    guard let head else { return linear }
    let buffers = (request.scratch + MemoryPlanner.alignUp(PackedCatalog.lanes * 4)).assumingMemoryBound(to: Float.self)
    return linear + head.scores(rows: rows, count: count, request: request.headRequest, scratch: buffers)
  }

  /// Offers rows 0..<count that are not excluded to `heap`, in ascending row order; a block
  /// whose 8 scores cannot beat the heap's worst kept score is skipped after one test.
  func scan(count: Int, _ request: Request, excluded: UnsafePointer<UInt8>, heap: inout TopKHeap) {
    let blocks = (count + PackedCatalog.lanes - 1) / PackedCatalog.lanes
    // The two-tower's scan has no head: its own specialization keeps the head's bookkeeping
    // (row ids, lane counts) out of the loop.
    switch (codes, floats, head == nil) {
    case (let codes?, _, true): scan(ByteColumns.self, WithoutHead.self, UnsafeRawPointer(codes), blocks, count, request, excluded, &heap)
    case (let codes?, _, false): scan(ByteColumns.self, WithHead.self, UnsafeRawPointer(codes), blocks, count, request, excluded, &heap)
    case (nil, let floats?, true): scan(FloatColumns.self, WithoutHead.self, UnsafeRawPointer(floats), blocks, count, request, excluded, &heap)
    case (nil, let floats?, false): scan(FloatColumns.self, WithHead.self, UnsafeRawPointer(floats), blocks, count, request, excluded, &heap)
    case (nil, nil, _): break
    }
  }

  /// The scan for one column encoding: four blocks at a time, so each broadcast request value
  /// serves 32 items and four independent accumulators keep the adds from waiting on each other.
  @_optimize(speed)
  private func scan<C: PackedColumns, H: HeadMode>(
    _: C.Type, _: H.Type, _ values: UnsafeRawPointer, _ blocks: Int, _ count: Int, _ request: Request,
    _ excluded: UnsafePointer<UInt8>, _ heap: inout TopKHeap
  ) {
    let blockBytes = width &* PackedCatalog.lanes &* C.bytesPerValue
    var block = 0
    while block &+ 4 <= blocks {
      let base = values + block &* blockBytes
      var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
      for j in 0..<width {
        let r = SIMD8(repeating: request.values[j])
        a0 = VectorMath.multiplyAdd(a0, r, C.load(base, j))
        a1 = VectorMath.multiplyAdd(a1, r, C.load(base + blockBytes, j))
        a2 = VectorMath.multiplyAdd(a2, r, C.load(base + 2 &* blockBytes, j))
        a3 = VectorMath.multiplyAdd(a3, r, C.load(base + 3 &* blockBytes, j))
      }
      let s0 = finish(a0, H.self, block, count, request), s1 = finish(a1, H.self, block &+ 1, count, request)
      let s2 = finish(a2, H.self, block &+ 2, count, request), s3 = finish(a3, H.self, block &+ 3, count, request)
      // Once the heap is full most groups of 32 cannot beat it: one test for all four blocks.
      if heap.isFull {
        let worst = SIMD8(repeating: heap.worstScore)
        let signs = VectorMath.excessSigns(s0, worst) | VectorMath.excessSigns(s1, worst)
          | VectorMath.excessSigns(s2, worst) | VectorMath.excessSigns(s3, worst)
        if !VectorMath.anySign(signs) {
          block &+= 4
          continue
        }
      }
      offer(s0, block, count, excluded, &heap)
      offer(s1, block &+ 1, count, excluded, &heap)
      offer(s2, block &+ 2, count, excluded, &heap)
      offer(s3, block &+ 3, count, excluded, &heap)
      block &+= 4
    }
    while block < blocks {
      let base = values + block &* blockBytes
      var acc = SIMD8<Float>()
      for j in 0..<width { acc = VectorMath.multiplyAdd(acc, SIMD8(repeating: request.values[j]), C.load(base, j)) }
      offer(finish(acc, H.self, block, count, request), block, count, excluded, &heap)
      block &+= 1
    }
  }

  /// The block's scores from its dot products (see `scores(rows:count:_:)` for the order of
  /// operations), with the head's output for its rows below `count`.
  @inline(__always)
  private func finish<H: HeadMode>(_ dots: SIMD8<Float>, _: H.Type, _ block: Int, _ count: Int, _ request: Request) -> SIMD8<Float> {
    let first = block &* PackedCatalog.lanes
    var acc = dots
    if let rowScale, let rowBias {
      acc = VectorMath.multiplyAdd(acc * load8(rowScale, first), load8(rowBias, first), SIMD8(repeating: request.sum))
    }
    let linear = (acc + load8(itemBias, first)) + SIMD8(repeating: request.constant)
    guard H.runsHead else { return linear }
    let rows = request.scratch.assumingMemoryBound(to: Int32.self)
    let n = min(PackedCatalog.lanes, count &- first)
    for lane in 0..<n { rows[lane] = Int32(truncatingIfNeeded: first &+ lane) }
    return withHead(linear, rows: rows, count: n, request)
  }

  /// Offers a block's rows below `count` that beat the heap and are not excluded: one inlined
  /// test for the usual block that cannot, a call for the rest.
  @inline(__always)
  private func offer(
    _ scores: SIMD8<Float>, _ block: Int, _ count: Int, _ excluded: UnsafePointer<UInt8>, _ heap: inout TopKHeap
  ) {
    if heap.isFull && !VectorMath.mayExceed(scores, heap.worstScore) { return }
    offerLanes(scores, block, count, excluded, &heap)
  }

  @inline(never)
  private func offerLanes(
    _ scores: SIMD8<Float>, _ block: Int, _ count: Int, _ excluded: UnsafePointer<UInt8>, _ heap: inout TopKHeap
  ) {
    let first = block &* PackedCatalog.lanes
    for lane in 0..<min(PackedCatalog.lanes, count &- first) {
      let row = first &+ lane
      let score = scores[lane]
      if heap.isFull && !(score > heap.worstScore) { continue }
      if excluded[row &>> 3] & (UInt8(1) &<< UInt8(truncatingIfNeeded: row & 7)) == 0 { heap.offer(score: score, row: row) }
    }
  }

  @inline(__always)
  private func load8(_ values: UnsafeMutablePointer<Float>, _ first: Int) -> SIMD8<Float> {
    UnsafeRawPointer(values + first).load(as: SIMD8<Float>.self)
  }
}

/// Whether a scan runs the score's head (a specialization per case, see `scan`).
protocol HeadMode { static var runsHead: Bool { get } }
enum WithHead: HeadMode { static var runsHead: Bool { true } }
enum WithoutHead: HeadMode { static var runsHead: Bool { false } }

/// How one column of a packed block (8 lanes) is stored.
protocol PackedColumns {
  static var bytesPerValue: Int { get }
  /// Column j of the block at `base`, as floats.
  static func load(_ base: UnsafeRawPointer, _ j: Int) -> SIMD8<Float>
}

enum FloatColumns: PackedColumns {
  static var bytesPerValue: Int { 4 }
  @inline(__always)
  static func load(_ base: UnsafeRawPointer, _ j: Int) -> SIMD8<Float> {
    base.load(fromByteOffset: j &* 32, as: SIMD8<Float>.self)
  }
}

enum ByteColumns: PackedColumns {
  static var bytesPerValue: Int { 1 }
  @inline(__always)
  static func load(_ base: UnsafeRawPointer, _ j: Int) -> SIMD8<Float> {
    VectorMath.bytesToFloats(base + j &* 8)
  }
}
