// Greedy arena planner: tensors whose lifetimes overlap get disjoint byte
// ranges; the largest tensors are placed first, each at the lowest offset
// that fits (the strategy of TensorFlow Lite Micro's greedy planner).
//
// The exporter stores the plan in the file; the runtime recomputes it at open
// and rejects a file whose plan differs, so a hand-edited plan can never make
// two live tensors share memory.
//
// Sizes come from the file, so the arithmetic is checked: where `Int` has 32
// bits, activations that add up past `maxArenaBytes` are reported, not trapped.

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

  /// Largest arena a plan may span: 2^30 − 1 bytes where `Int` has 32 bits (more
  /// cannot be mapped next to the model in a 32-bit process), 2^62 − 1 on 64-bit.
  /// Below it, an offset plus a size plus alignment never overflows `Int`.
  public static let maxArenaBytes = Int.max / 2

  /// Request `index` (`size` bytes, placed at `offset`) would end past `maxArenaBytes`.
  public struct Overflow: Error {
    public let index: Int
    public let offset: Int
    public let size: Int
  }

  @inline(__always)
  public static func alignUp(_ value: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }

  /// Offsets (one per request, in request order) and the bytes they span.
  /// O(n²) in the number of requests, which is small (tens). Allocates exactly
  /// `scratchArrays` arrays of `requests.count` Ints (one is returned) and nothing
  /// else: a fallible section reserves them with `reserveScratch`.
  public static func plan(_ requests: [PlanRequest]) throws(Overflow) -> (offsets: [Int], totalBytes: Int) {
    let n = requests.count
    var offsets = [Int](repeating: 0, count: n)
    // Largest first; ties by index so the plan is deterministic.
    let order = sortedIndices(n) { a, b in
      requests[a].size != requests[b].size ? requests[a].size > requests[b].size : a < b
    }
    var placed: [Int] = []
    placed.reserveCapacity(n)
    var total = 0
    var conflicts: [Int] = []
    conflicts.reserveCapacity(n)
    for index in order {
      let request = requests[index]
      guard request.size >= 0 && request.size <= maxArenaBytes else {
        throw Overflow(index: index, offset: 0, size: request.size)
      }
      conflicts.removeAll(keepingCapacity: true)
      for other in placed
      where requests[other].firstUse <= request.lastUse && request.firstUse <= requests[other].lastUse {
        conflicts.append(other)
      }
      sortInPlace(&conflicts) { offsets[$0] < offsets[$1] }
      var candidate = 0
      for other in conflicts {
        // candidate + size <= offsets[other], without the sum.
        if offsets[other] >= candidate && offsets[other] - candidate >= request.size { break }
        candidate = max(candidate, alignUp(offsets[other] + requests[other].size))
      }
      let (end, overflow) = candidate.addingReportingOverflow(request.size)
      guard !overflow && end <= maxArenaBytes else {
        throw Overflow(index: index, offset: candidate, size: request.size)
      }
      offsets[index] = candidate
      total = max(total, alignUp(end))
      placed.append(index)
    }
    return (offsets, total)
  }

  /// Arrays of `requests.count` Ints that `plan` allocates.
  static let scratchArrays = 4

  /// Reserves what `plan` allocates for `count` requests, so it cannot trap in a fallible section.
  static func reserveScratch(count: Int) throws(RecLiteError) {
    for _ in 0..<scratchArrays { try Fallible.reserveArray(of: Int.self, count: count, for: "the memory plan") }
  }

  /// 0..<n ordered by `precedes` (stable insertion sort: n is tens, and the
  /// standard library's sort would add kilobytes of specialized code per call site).
  static func sortedIndices(_ n: Int, by precedes: (Int, Int) -> Bool) -> [Int] {
    var indices = [Int](repeating: 0, count: n)
    for i in 0..<n { indices[i] = i }
    sortInPlace(&indices, by: precedes)
    return indices
  }

  static func sortInPlace(_ values: inout [Int], by precedes: (Int, Int) -> Bool) {
    guard values.count > 1 else { return }
    for i in 1..<values.count {
      let value = values[i]
      var j = i
      while j > 0 && precedes(value, values[j - 1]) {
        values[j] = values[j - 1]
        j -= 1
      }
      values[j] = value
    }
  }
}
