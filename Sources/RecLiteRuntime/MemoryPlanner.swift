// Greedy arena planner: tensors whose lifetimes overlap get disjoint byte
// ranges; the largest tensors are placed first, each at the lowest offset
// that fits (the strategy of TensorFlow Lite Micro's greedy planner).
//
// The exporter stores the plan in the file; the runtime recomputes it at open
// and rejects a file whose plan differs, so a hand-edited plan can never make
// two live tensors share memory.

/// A buffer to place: its size and the first and last step it is alive.
public struct PlanRequest: Sendable {
  public var size: Int
  public var firstUse: Int
  public var lastUse: Int

  public init(size: Int, firstUse: Int, lastUse: Int) {
    self.size = size
    self.firstUse = firstUse
    self.lastUse = lastUse
  }
}

public enum MemoryPlanner {
  /// Alignment of every planned offset (one cache line; enough for any SIMD load).
  public static let alignment = 64

  @inline(__always)
  public static func alignUp(_ value: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }

  /// Offsets (one per request, in request order) and the bytes they span.
  /// O(n² log n) in the number of requests, which is small (tens).
  public static func plan(_ requests: [PlanRequest]) -> (offsets: [Int], totalBytes: Int) {
    let n = requests.count
    var offsets = [Int](repeating: 0, count: n)
    var order = [Int](0..<n)
    // Largest first; ties by index so the plan is deterministic.
    order.sort { a, b in
      requests[a].size != requests[b].size ? requests[a].size > requests[b].size : a < b
    }
    var placed: [Int] = []
    placed.reserveCapacity(n)
    var total = 0
    var conflicts: [Int] = []
    conflicts.reserveCapacity(n)
    for index in order {
      let request = requests[index]
      conflicts.removeAll(keepingCapacity: true)
      for other in placed
      where requests[other].firstUse <= request.lastUse && request.firstUse <= requests[other].lastUse {
        conflicts.append(other)
      }
      conflicts.sort { offsets[$0] < offsets[$1] }
      var candidate = 0
      for other in conflicts {
        if candidate + request.size <= offsets[other] { break }
        candidate = max(candidate, alignUp(offsets[other] + requests[other].size))
      }
      offsets[index] = candidate
      total = max(total, alignUp(candidate + request.size))
      placed.append(index)
    }
    return (offsets, total)
  }
}
