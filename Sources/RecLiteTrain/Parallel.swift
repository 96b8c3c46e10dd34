import Dispatch
import Foundation

/// How many threads RecLiteTrain may use. Every parallel loop splits work so that each output
/// element is computed by exactly one thread in a fixed order, so results are bit-identical for
/// any thread count (reductions across threads are never done in arrival order).
public enum Parallelism {
  nonisolated(unsafe) public static var maxThreads: Int = max(
    1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body` over contiguous chunks of `0..<count`, in parallel when the work is big enough to
/// pay for the thread hand-off. `minimumChunk` is the smallest range worth a thread.
func parallelChunks(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
  let threads = min(Parallelism.maxThreads, count / max(1, minimumChunk))
  if threads <= 1 {
    if count > 0 { body(0..<count) }
    return
  }
  let chunk = (count + threads - 1) / threads
  withoutActuallyEscaping(body) { body in
    let task = UncheckedBox(body)
    DispatchQueue.concurrentPerform(iterations: threads) { index in
      let start = index * chunk
      let end = min(count, start + chunk)
      if start < end { task.value(start..<end) }
    }
  }
}

/// Dynamic variant for uneven work (e.g. users with very different history sizes): indices are
/// handed out in small blocks, but each index's result is still written by one thread only.
func parallelForEach(_ count: Int, block: Int = 8, _ body: (Int) -> Void) {
  let threads = min(Parallelism.maxThreads, (count + block - 1) / block)
  if threads <= 1 {
    for index in 0..<count { body(index) }
    return
  }
  let next = AtomicCounter()
  withoutActuallyEscaping(body) { body in
    let task = UncheckedBox(body)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while true {
        let start = next.fetchAdd(block)
        if start >= count { break }
        for index in start..<min(count, start + block) { task.value(index) }
      }
    }
  }
}

/// Runs two independent jobs at once (two threads when there are), returning both results or
/// the first job's error. For whole trainings that share nothing mutable: each is deterministic
/// on its own, so running them side by side changes no result, only the wall time.
func inParallel<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
  guard Parallelism.maxThreads > 1 else { return (try first(), try second()) }
  let a = ResultSlot<A>(), b = ResultSlot<B>()
  withoutActuallyEscaping(first) { first in
    withoutActuallyEscaping(second) { second in
      let jobs = UncheckedBox((first, second))
      // Iteration 0 writes only `a`, iteration 1 only `b`; concurrentPerform returns after both.
      DispatchQueue.concurrentPerform(iterations: 2) { index in
        if index == 0 {
          a.result = Result { try jobs.value.0() }
        } else {
          b.result = Result { try jobs.value.1() }
        }
      }
    }
  }
  return (try a.result!.get(), try b.result!.get())
}

/// Where one of `inParallel`'s jobs leaves its result (written by that job's thread only, read
/// after both have finished).
private final class ResultSlot<T>: @unchecked Sendable {
  var result: Result<T, Error>?
}

/// Carries a non-Sendable closure into `concurrentPerform`. Sound here because every caller's
/// closure only writes disjoint outputs (documented at each call site) and the call blocks until
/// all iterations finish.
struct UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}

/// A tiny lock-protected counter (Foundation's NSLock keeps us free of extra packages).
final class AtomicCounter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()
  func fetchAdd(_ delta: Int) -> Int {
    lock.lock()
    defer { lock.unlock() }
    let old = value
    value += delta
    return old
  }
}

/// A buffer written concurrently at disjoint indices. Callers guarantee no two threads write the
/// same index; that is what makes the unchecked Sendable conformance sound.
final class SharedBuffer<Element>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Element>
  let count: Int
  init(repeating value: Element, count: Int) {
    self.count = count
    pointer = .allocate(capacity: max(1, count))
    pointer.initialize(repeating: value, count: count)
  }
  deinit {
    pointer.deinitialize(count: count)
    pointer.deallocate()
  }
  subscript(index: Int) -> Element {
    get { pointer[index] }
    set { pointer[index] = newValue }
  }
  var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
