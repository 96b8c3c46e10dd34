// Bounded top-k selection over a stream of (row, score) pairs, stored in the
// caller's output array so recommending allocates nothing.
//
// Each candidate is packed into one 64-bit key whose unsigned order is the
// ranking order: the score's order-preserving bits above, the complement of
// the row below (equal scores rank the smaller row — the smaller raw id,
// since vocabularies are sorted — first). A min-heap of the k best keys keeps
// the worst kept candidate at the root: O(n log k) for n candidates.

public struct TopKHeap {
  let keys: UnsafeMutablePointer<UInt64>
  let capacity: Int
  public private(set) var count = 0

  /// `storage` must hold `capacity` keys; it is the caller's output array.
  public init(storage: UnsafeMutablePointer<UInt64>, capacity: Int) {
    keys = storage
    self.capacity = capacity
  }

  /// Sort key of a score: larger scores give larger keys; NaN ranks last;
  /// -0 and +0 are the same score.
  @inline(__always)
  public static func key(score: Float, row: Int) -> UInt64 {
    let bits = score == 0 ? 0 : score.bitPattern
    let ordered = score.isNaN ? 0 : (bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000)
    return UInt64(ordered) << 32 | UInt64(UInt32.max - UInt32(truncatingIfNeeded: row))
  }

  @inline(__always)
  public static func row(of key: UInt64) -> Int { Int(UInt32.max - UInt32(truncatingIfNeeded: key)) }

  @inline(__always)
  public static func score(of key: UInt64) -> Float {
    let ordered = UInt32(truncatingIfNeeded: key >> 32)
    return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
  }

  /// Whether `capacity` candidates are kept, so a new one must beat `worstScore`.
  @inline(__always)
  public var isFull: Bool { count == capacity }

  /// Score of the worst kept candidate (meaningful when `isFull`). Candidates offered in
  /// ascending row order displace it only with a strictly greater score: an equal score from a
  /// later (larger) row ranks after it.
  @inline(__always)
  public var worstScore: Float { count > 0 ? TopKHeap.score(of: keys[0]) : -.infinity }

  /// Offers a candidate; keeps it when it ranks among the best `capacity` so far.
  @inline(__always)
  public mutating func offer(score: Float, row: Int) {
    let key = TopKHeap.key(score: score, row: row)
    if count < capacity {
      keys[count] = key
      count += 1
      siftUp(count - 1)
    } else if capacity > 0 && key > keys[0] {
      keys[0] = key
      siftDown(0, limit: count)
    }
  }

  /// Sorts the kept keys best first, in place (heap sort: O(k log k)).
  public mutating func sortDescending() {
    var end = count
    while end > 1 {
      end -= 1
      let worst = keys[0]
      keys[0] = keys[end]
      keys[end] = worst
      siftDown(0, limit: end)
    }
  }

  private func siftUp(_ start: Int) {
    var child = start
    while child > 0 {
      let parent = (child - 1) / 2
      guard keys[child] < keys[parent] else { return }
      let t = keys[child]
      keys[child] = keys[parent]
      keys[parent] = t
      child = parent
    }
  }

  private func siftDown(_ start: Int, limit: Int) {
    var parent = start
    while true {
      let left = 2 * parent + 1
      guard left < limit else { return }
      var smallest = left
      if left + 1 < limit && keys[left + 1] < keys[left] { smallest = left + 1 }
      guard keys[smallest] < keys[parent] else { return }
      let t = keys[smallest]
      keys[smallest] = keys[parent]
      keys[parent] = t
      parent = smallest
    }
  }
}
