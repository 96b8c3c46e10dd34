// How trained parameters are stored in the .rlm file, and the writers of an export's tables.

import RecLiteRuntime
import RecLiteTrain
import RecLiteWriter

public struct ExportOptions: Sendable, Codable, Equatable {
  /// Embedding tables and the precomputed item-side tables.
  public enum Tables: String, Sendable, Codable, CaseIterable {
    case float32
    /// Row-wise uint8 codes with a float32 scale and bias per row.
    case int8
    /// Row-wise uint4 codes (two per byte) with a float16 scale and bias per row; tables one or
    /// two values wide (biases) as float16, where a row-wise row would not be smaller.
    case int4
    /// Item tables: the most popular items' rows (`mixedShare` of the catalog) as int8, the rest
    /// as int4, in one mixed-precision table (format 2); other tables as int8.
    case mixed
  }

  /// Dense layer weights.
  public enum Weights: String, Sendable, Codable, CaseIterable {
    case float32
    /// Symmetric int8 codes with one float32 scale per output channel.
    case int8
  }

  /// Whether to precompute item-side work (first-layer item block, field sums) for every item.
  public enum ItemPrecompute: String, Sendable, Codable, CaseIterable {
    /// Precompute unless the tables would pass `DeepFMExport.precomputeBudget` (64 MiB).
    case auto
    /// Always: fastest per candidate, largest file for wide first layers.
    case always
    /// Never: smallest file; each candidate runs its item block.
    case never
  }

  /// Whether the catalog carries display titles.
  public enum Titles: String, Sendable, Codable, CaseIterable {
    case full
    /// Ids only: a device that shows no titles carries none.
    case none
  }

  public var tables: Tables
  public var weights: Weights
  public var precompute: ItemPrecompute
  public var titles: Titles = .full
  /// Under `.mixed`: the share of the catalog, most popular items first, whose rows stay int8.
  public var mixedShare: Double = ExportOptions.defaultMixedShare
  /// Dense layers (weight tensor names, e.g. "mlp1.weight") written as CSR; the others dense.
  /// `SparseLayerChoice` fills it with the layers where the runtime's sparse kernel measured
  /// faster.
  public var csrLayers: [String] = []

  /// The share of item rows that `mixed` keeps int8, most popular first (by training
  /// interactions): a fifth, a fixed choice, not tuned (the sweep measures what it costs).
  public static let defaultMixedShare = 0.2

  public init(
    tables: Tables = .float32, weights: Weights = .float32, precompute: ItemPrecompute = .auto, titles: Titles = .full
  ) {
    self.tables = tables
    self.weights = weights
    self.precompute = precompute
    self.titles = titles
  }

  /// Bit-for-bit the trained float32 parameters.
  public static let exact = ExportOptions()
  /// int8 tables and weights: about a quarter of the float32 size.
  public static let int8 = ExportOptions(tables: .int8, weights: .int8)
  /// int4 tables, int8 weights: about an eighth of the float32 tables.
  public static let int4 = ExportOptions(tables: .int4, weights: .int8)
  /// Frequent items int8, rare items int4, int8 weights.
  public static let mixed = ExportOptions(tables: .mixed, weights: .int8)

  /// The presets by short name, as the CLI spells them.
  public static func named(_ name: String) -> ExportOptions? {
    switch name {
    case "f32", "float32": return .exact
    case "int8": return .int8
    case "int4": return .int4
    case "mixed": return .mixed
    default: return nil
    }
  }

  /// Short label for reports and file names: the tables' encoding ("f32", "int8", "int4",
  /// "mixed") when the weights are its usual companion (float32 for f32, int8 otherwise), else
  /// tables then weights ("f32-int8"); "-notitles" without titles. Only letters, digits and dashes.
  public var label: String {
    func short(_ raw: String) -> String { raw == "float32" ? "f32" : raw }
    let usual: Weights = tables == .float32 ? .float32 : .int8
    var label = weights == usual ? short(tables.rawValue) : "\(short(tables.rawValue))-\(short(weights.rawValue))"
    if titles == .none { label += "-notitles" }
    return label
  }

  /// How a table `width` values wide is stored; `int8Rows` flags the rows a mixed table keeps
  /// int8 (nil for tables not indexed by item, which `mixed` stores as int8). Row-wise rows are
  /// used only where a quantized row is smaller than the float32 row — not for one- or two-wide
  /// tables such as per-item biases, which int4 and mixed store as float16 instead.
  public func storage(width: Int, int8Rows: [Bool]?) -> TableStorage {
    let rowWiseShrinks = RowWiseLayout.rowBytes(type: .uint8, width: width) < width * 4
    let nibblesShrink = RowWiseLayout.rowBytes(type: .uint4, width: width) < width * 4
    switch tables {
    case .float32: return .float32
    case .int8: return rowWiseShrinks ? .rowWise(bits: 8) : .float32
    case .int4: return nibblesShrink ? .rowWise(bits: 4) : .float16
    case .mixed:
      guard nibblesShrink else { return .float16 }
      guard let int8Rows else { return rowWiseShrinks ? .rowWise(bits: 8) : .rowWise(bits: 4) }
      return .mixed(int8Rows: int8Rows)
    }
  }
}

extension ModelBuilder {
  /// A [rows, width] table that is not indexed by item (users, genres, years) in the chosen encoding.
  func table(_ name: String, _ values: [Float], rows: Int, width: Int, _ options: ExportOptions) throws -> TensorRef {
    try table(name, values, rows: rows, width: width, storage: options.storage(width: width, int8Rows: nil))
  }

  /// A dense layer's weight [outputs, inputs] in the chosen encoding, as CSR when the options
  /// list it.
  func weight(_ name: String, _ values: [Float], outputs: Int, inputs: Int, _ options: ExportOptions) throws -> TensorRef {
    try weight(
      name, values, outputs: outputs, inputs: inputs, int8: options.weights == .int8, csr: options.csrLayers.contains(name))
  }

  /// A dense op for a trained layer.
  func dense(_ name: String, _ x: TensorRef, layer: Dense, activation: Activation, _ options: ExportOptions) throws -> TensorRef {
    dense(
      name, x, weight: try weight(name + ".weight", layer.weight, outputs: layer.outputs, inputs: layer.inputs, options),
      bias: constant(name + ".bias", floats: layer.bias, shape: [layer.outputs]), activation: activation)
  }
}

/// Writes one export's tables indexed by item row (the catalog's rows plus the OOV row): under
/// `mixed` the most popular items (by training interactions) stay int8; with shared item rows
/// (`ItemRowSharing`) only the distinct rows are stored and every item table uses one remap.
final class ItemTables {
  let builder: ModelBuilder
  let options: ExportOptions
  let context: ExportContext
  private var remap: TensorRef?

  init(_ builder: ModelBuilder, options: ExportOptions, context: ExportContext) {
    self.builder = builder
    self.options = options
    self.context = context
  }

  /// A table of `rows` item rows (row-major `values`, `width` each).
  func table(_ name: String, _ values: [Float], rows: Int, width: Int) throws -> TensorRef {
    let frequent = context.frequentItemRows(share: options.mixedShare, rows: rows)
    guard let sharing = context.sharedItems else {
      return try builder.table(name, values, rows: rows, width: width, storage: options.storage(width: width, int8Rows: frequent))
    }
    guard sharing.remap.count == rows else {
      throw ModelWriterError("\(name): \(rows) rows, the item row sharing covers \(sharing.remap.count)")
    }
    let stored = sharing.storedRows
    let kept = stored.flatMap { values[($0 * width)..<(($0 + 1) * width)] }
    let storage = options.storage(width: width, int8Rows: stored.map { frequent[$0] })
    let table = try builder.table(name, kept, rows: stored.count, width: width, storage: storage)
    if let remap {
      builder.setRowRemap(table, to: remap)
    } else {
      remap = builder.setRowRemap(table, sharing.remap)
    }
    return table
  }
}
