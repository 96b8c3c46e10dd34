// Post-training compression of a .rlm file from the file alone (`reclite compress`): every
// embedding table is decoded and stored again as int8, int4 or mixed rows (mixed: the
// catalog's most popular items int8, by the popularity order the file carries), dense weights
// as per-channel int8 (CSR weights stay CSR), index vectors in their narrowest type, and
// titles optionally dropped. What was already quantized is never quantized again into a wider
// encoding: that would only add error.

import Foundation
import RecLiteRuntime
import RecLiteWriter

public enum FileCompression {
  public struct Result {
    public var builder: ModelBuilder
    /// The input file's plan batch, kept.
    public var maxBatch: Int
    /// One line per tensor that changed encoding.
    public var changes: [String]
  }

  /// Which dense weights to store as CSR (`reclite compress --csr`): the exporter's choice was
  /// timed on the machine that exported, and a device may differ.
  public enum SparseLayers: Equatable, Sendable {
    /// Every dense weight stored dense (`--csr none`).
    case dense
    /// Every dense weight with at least `SparseLayerChoice.minimumSparsity` zeros as CSR (`--csr all`).
    case allPruned
    /// These weights (by tensor name) as CSR, every other dense.
    case named([String])

    /// "none", "all" or a comma-separated list of weight names.
    public init(_ text: String) {
      switch text {
      case "none": self = .dense
      case "all": self = .allPruned
      default: self = .named(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
      }
    }
  }

  /// `file` compressed to `tables` encoding (nil: tables as they are) with `titles`, and its dense
  /// weights stored as `csr` says (nil: as they are); `mixedShare` as in ExportOptions.
  public static func compress(
    _ file: [UInt8], tables: ExportOptions.Tables?, titles: ExportOptions.Titles, mixedShare: Double, csr: SparseLayers? = nil
  ) throws -> Result {
    guard tables != .float32 else { throw ModelWriterError("--quantize takes int8, int4 or mixed") }
    guard mixedShare > 0 && mixedShare < 1 else { throw ModelWriterError("--mixed-share must be in (0, 1), not \(mixedShare)") }
    let (builder, maxBatch) = try ModelBuilder.reading(file)
    var options = ExportOptions(tables: tables ?? .float32, weights: .int8)
    options.mixedShare = mixedShare
    var changes: [String] = []
    try file.withUnsafeBufferPointer { raw in
      guard let base = raw.baseAddress else { throw ModelWriterError("the model file is empty") }
      let graph: ModelGraph
      do throws(RecLiteError) { graph = try ModelLoader.load(bytes: base, length: raw.count) } catch {
        throw ModelWriterError("not a valid RecLite model: \(error.message)")
      }
      if tables != nil {
        for (t, itemIndexed) in embeddingTables(of: graph) {
          if let change = try requantizeTable(t, itemIndexed: itemIndexed, graph: graph, options: options, into: builder) {
            changes.append(change)
          }
        }
      }
      let weights = denseWeights(of: graph)
      if case .named(let names) = csr, let unknown = names.first(where: { name in !weights.contains { graph.tensors[$0].name.description == name } }) {
        throw ModelWriterError(
          "--csr: the model has no dense weight named \"\(unknown)\" (it has \(weights.map { graph.tensors[$0].name.description }.joined(separator: ", ")))")
      }
      for t in weights {
        let tensor = graph.tensors[t]
        let int8 = tables != nil || tensor.type == .int8
        guard let values = TensorValues.floats(t, in: graph) else { continue }
        let sparse = wantsCSR(tensor.name.description, values: values, csr) ?? tensor.isSparse
        guard int8 != (tensor.type == .int8) || sparse != tensor.isSparse else { continue }
        try builder.storeWeight(t, values, outputs: tensor.dims.0, inputs: tensor.dims.1, int8: int8, csr: sparse)
        changes.append(
          "\(tensor.name): \(tensor.type.name)\(tensor.isSparse ? " CSR" : "") → \(int8 ? "per-channel int8" : tensor.type.name)\(sparse ? " CSR" : "")")
      }
    }
    if titles == .none && builder.hasTitles {
      builder.dropTitles()
      changes.append("catalog: titles dropped")
    }
    let asked = [tables.map { "--quantize \(label($0))" }, csr.map { "--csr \(describe($0))" }, titles == .none ? "--titles none" : nil]
      .compactMap { $0 }.joined(separator: " ")
    guard !changes.isEmpty else {
      let state = tables.map { "the model is already \(label($0))" } ?? "the model's weights are already stored so"
      throw ModelWriterError("\(asked): \(state); nothing to compress")
    }
    builder.narrowIndexVectors()
    if tables != nil { builder.metadata("export.encoding", options.label + (titles == .none ? "-notitles" : "")) }
    builder.metadata("compression.quantize", "reclite compress \(asked): " + changes.joined(separator: "; "))
    return Result(builder: builder, maxBatch: maxBatch, changes: changes)
  }

  /// Whether weight `name` goes to CSR under `csr`, nil when `csr` leaves it as it is.
  static func wantsCSR(_ name: String, values: [Float], _ csr: SparseLayers?) -> Bool? {
    switch csr {
    case nil: return nil
    case .dense: return false
    case .allPruned: return Double(values.filter { $0 == 0 }.count) >= SparseLayerChoice.minimumSparsity * Double(values.count)
    case .named(let names): return names.contains(name)
    }
  }

  static func describe(_ csr: SparseLayers) -> String {
    switch csr {
    case .dense: return "none"
    case .allPruned: return "all"
    case .named(let names): return names.joined(separator: ",")
    }
  }

  /// Every embedding table (input 0 of a lookup or bag op), and whether every op that reads
  /// it is a lookup by the item feature (so its rows are catalog items).
  static func embeddingTables(of graph: ModelGraph) -> [(Int, Bool)] {
    var itemIndexed: [Int: Bool] = [:]
    let item = graph.features[graph.itemFeature].input
    for op in graph.ops where op.code == .embeddingLookup || op.code == .embeddingBag {
      let t = graph.input(op, 0)
      let byItem = op.code == .embeddingLookup && graph.input(op, 1) == item
      itemIndexed[t] = (itemIndexed[t] ?? true) && byItem
    }
    return itemIndexed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
  }

  static func denseWeights(of graph: ModelGraph) -> [Int] {
    Array(Set(graph.ops.filter { $0.code == .dense }.map { graph.input($0, 1) })).sorted()
  }

  /// Bits per value of a table's stored codes: 32, 16, 8, 4 (a mixed table: 4, its narrowest).
  static func bits(_ t: Int, _ graph: ModelGraph) -> Int {
    let tensor = graph.tensors[t]
    if tensor.splitTable >= 0 { return min(tensor.type.bits, graph.tensors[tensor.splitTable].type.bits) }
    return tensor.type.bits
  }

  static func bits(_ storage: TableStorage) -> Int {
    switch storage {
    case .float32: return 32
    case .float16: return 16
    case .rowWise(let bits): return bits
    case .mixed: return 4
    }
  }

  /// Stores table `t` in the target encoding, or leaves it (already there, or narrow and in a
  /// float format no narrower target reaches); a table already quantized narrower than the
  /// target is an error that names the option.
  private static func requantizeTable(
    _ t: Int, itemIndexed: Bool, graph: ModelGraph, options: ExportOptions, into builder: ModelBuilder
  ) throws -> String? {
    let tensor = graph.tensors[t]
    let width = tensor.dims.1
    let storedRows = tensor.dims.0 + (tensor.splitTable >= 0 ? graph.tensors[tensor.splitTable].dims.0 : 0)
    let frequent = itemIndexed ? storedFrequentRows(t, graph, share: options.mixedShare, storedRows: storedRows) : nil
    let target = options.storage(width: width, int8Rows: frequent)
    let (current, wanted) = (bits(t, graph), bits(target))
    if tensor.splitTable >= 0 {
      if target.isMixed { return nil }
      throw ModelWriterError(
        "--quantize \(label(options.tables)): table \(tensor.name) is already mixed int8/int4 rows; compress the float32 model instead")
    }
    if current == wanted { return nil }
    if current < wanted {
      guard current < 16 && wanted <= 8 else { return nil }  // a float table never widens
      throw ModelWriterError(
        "--quantize \(label(options.tables)): table \(tensor.name) is already quantized to int\(current), narrower than the int\(wanted) rows asked for; quantizing again cannot add back precision")
    }
    // Decode the stored rows (the remap, if any, stays as it is).
    var stored = graph
    stored.tensors[t].rowRemap = -1
    guard let view = TableView(table: t, in: stored) else { return nil }
    let values = (0..<storedRows).flatMap { r in (0..<width).map { view.value(row: r, column: $0) } }
    try builder.storeTable(t, values, rows: storedRows, width: width, storage: target)
    return "\(tensor.name): \(current)-bit → \(target.label)"
  }

  /// Per stored row of an item-indexed table: whether a catalog item among the most popular
  /// `share` (or the OOV row) is stored there.
  private static func storedFrequentRows(_ t: Int, _ graph: ModelGraph, share: Double, storedRows: Int) -> [Bool] {
    let item = graph.features[graph.itemFeature]
    let logicalRows = max(item.rowCount, item.oovRow + 1)
    var popular = [Bool](repeating: false, count: logicalRows)
    if let catalog = graph.catalog, let popularity = catalog.popularity {
      let kept = Int((share * Double(item.rowCount)).rounded())
      for i in 0..<min(kept, catalog.popularityCount) { popular[Int(popularity[i])] = true }
    }
    popular[item.oovRow] = true
    var frequent = [Bool](repeating: false, count: storedRows)
    let remap = graph.tensors[t].rowRemap >= 0 ? graph.tensors[graph.tensors[t].rowRemap].data?.assumingMemoryBound(to: Int32.self) : nil
    for row in 0..<logicalRows where popular[row] {
      let s = remap.map { Int($0[row]) } ?? row
      if s >= 0 && s < storedRows { frequent[s] = true }
    }
    return frequent
  }

  static func label(_ tables: ExportOptions.Tables) -> String { tables == .float32 ? "f32" : tables.rawValue }
}

extension TableStorage {
  var isMixed: Bool { if case .mixed = self { return true } else { return false } }

  /// "int8 rows", "int4 rows", "float16", "mixed int8/int4 rows".
  var label: String {
    switch self {
    case .float32: return "float32"
    case .float16: return "float16"
    case .rowWise(let bits): return "int\(bits) rows"
    case .mixed: return "mixed int8/int4 rows"
    }
  }
}
