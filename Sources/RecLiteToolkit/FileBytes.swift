// Where a .rlm file's bytes go: the model's weights against the catalog it carries (raw ids,
// feature bags, titles, popularity order), and the rest (metadata, the FlatBuffer's own tables
// and alignment). Stored buffers are counted exactly, each once however many tensors share
// it; titles, popularity and metadata by FlatBuffers' encoding of strings and vectors.

import RecLiteRuntime

public struct FileBytes: Sendable, Codable, Equatable {
  public var total: Int
  /// Tables, dense weights and biases, quantization parameters, CSR indices, row remaps.
  public var weights: Int
  /// Vocabularies: the raw user, item and context ids.
  public var ids: Int
  /// Feature bags: per-item genre lists and year buckets (bag offsets and values).
  public var bags: Int
  public var titles: Int
  public var popularity: Int
  public var metadata: Int
  /// The FlatBuffer's tables (tensors, ops, features, plan), names, alignment padding.
  public var structure: Int

  /// Everything that describes the catalog rather than the model's function.
  public var catalog: Int { ids + bags + titles + popularity }

  public init(_ model: RecLiteRuntime.Model) {
    let graph = model.graph
    var role = [Int: Role]()  // by buffer index
    func assign(_ t: Int, _ r: Role) {
      guard t >= 0, t < graph.tensors.count, graph.tensors[t].isConstant else { return }
      let buffer = graph.tensors[t].bufferIndex
      if let existing = role[buffer], existing.rawValue <= r.rawValue { return }
      role[buffer] = r
    }
    for feature in graph.features where feature.vocabularyTensor >= 0 { assign(feature.vocabularyTensor, .ids) }
    for op in graph.ops where op.code == .embeddingBag { assign(graph.input(op, 2), .bags); assign(graph.input(op, 3), .bags) }
    for t in graph.tensors.indices { assign(t, .weights) }
    var sizes = [Int: Int]()
    for tensor in graph.tensors where tensor.isConstant {
      sizes[tensor.bufferIndex] = tensor.fileType.map { $0.byteCount(elements: tensor.dims.0) } ?? tensor.byteCount
    }
    func bytes(_ r: Role) -> Int { role.filter { $0.value == r }.reduce(0) { $0 + (sizes[$1.key] ?? 0) } }
    total = graph.fileBytes
    weights = bytes(.weights)
    ids = bytes(.ids)
    bags = bytes(.bags)
    titles = 0
    popularity = 0
    if let catalog = graph.catalog {
      if catalog.titleCount > 0 {
        titles = 4 + 4 * catalog.titleCount
        for row in 0..<catalog.titleCount { titles += FileBytes.string(model.title(ofRow: row)?.count ?? 0) }
      }
      popularity = catalog.popularityCount > 0 ? 4 + 4 * catalog.popularityCount : 0
    }
    metadata = graph.metadataCount > 0 ? 4 : 0
    for index in 0..<graph.metadataCount {
      let entry = model.metadata(at: index)
      // A KeyValue table (vtable, two offsets) and its two strings.
      metadata += 4 + 16 + FileBytes.string(entry.key.count) + FileBytes.string(entry.value.count)
    }
    structure = total - weights - ids - bags - titles - popularity - metadata
  }

  /// A FlatBuffers string: length, bytes, NUL, padded to 4.
  static func string(_ count: Int) -> Int { (4 + count + 1 + 3) & ~3 }

  enum Role: Int { case ids, bags, weights }

  /// "679,744 bytes: weights 236,416, catalog 406,264 (ids 36,264, bags 0, titles 333,936,
  /// popularity 36,268), metadata 12,345, structure 24,719".
  public var summary: String {
    "\(total.grouped) bytes: weights \(weights.grouped), catalog \(catalog.grouped) (ids \(ids.grouped), bags \(bags.grouped), "
      + "titles \(titles.grouped), popularity \(popularity.grouped)), metadata \(metadata.grouped), structure \(structure.grouped)"
  }
}
