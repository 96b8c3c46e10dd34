/// The set of rows of one embedding table that a mini-batch touched. Sparse (lazy) Adam updates
/// exactly these rows and then clears their gradients, so a step costs O(touched rows), not
/// O(table).
public struct TouchedRows: Sendable {
  public private(set) var rows: [Int32] = []
  private var marked: [Bool]

  public init(capacity: Int) { marked = [Bool](repeating: false, count: capacity) }

  @inline(__always)
  public mutating func insert(_ row: Int) {
    if !marked[row] {
      marked[row] = true
      rows.append(Int32(row))
    }
  }

  public mutating func removeAll() {
    for row in rows { marked[Int(row)] = false }
    rows.removeAll(keepingCapacity: true)
  }
}
