// Hot swap in Swift: a slot's sessions move to published models only when
// they refresh, keep their model when the switch cannot happen, and never
// answer with a mix of two models while another thread publishes.

import Dispatch
import Foundation
import RecLiteRuntime
import Testing
@testable import RecLiteWriter

/// Scores of `items` for `user` through a serving session's current model.
func scores(_ session: ServingSession, user: Int64, items: [Int64]) throws -> [Float] {
  var out = [Float](repeating: .nan, count: items.count)
  try items.withUnsafeBufferPointer { ids in
    try out.withUnsafeMutableBufferPointer { scores in
      try session.session.score(Request(userID: user), itemIDs: ids.baseAddress, count: ids.count, scores: scores.baseAddress)
    }
  }
  return out
}

@Suite struct ModelSlotTests {
  let items: [Int64] = [100, 300, 700, 12345]
  /// Two models with different weights; `b` plans chunks of 2 candidates, so its arena is smaller.
  let a: Model
  let b: Model
  let small: Model

  init() throws {
    a = try openModel(TwoTowerFixture(seed: 1).builder())
    b = try openModel(TwoTowerFixture(seed: 2).builder())
    small = try openModel(TwoTowerFixture(seed: 3).builder(), maxBatch: 2)
  }

  @Test func sessionsMoveToAPublishedModelWhenTheyRefresh() throws {
    let slot = try ModelSlot.create(serving: a)
    let session = try ServingSession.create(slot: slot, arena: nil, length: 0)
    let fromA = try runtimeScores(a, user: 10, items: items)
    let fromB = try runtimeScores(b, user: 10, items: items)
    #expect(fromA != fromB)
    #expect(try scores(session, user: 10, items: items) == fromA)
    #expect(try session.refresh() == false)

    slot.publish(b)
    #expect(try scores(session, user: 10, items: items) == fromA, "a session switches only when it refreshes")
    #expect(try session.refresh() == true)
    #expect(session.model === b)
    #expect(try scores(session, user: 10, items: items) == fromB)

    slot.publish(b)  // the same model again: nothing to switch to
    #expect(try session.refresh() == false)
    #expect(try slot.current().model === b)
  }

  @Test func aCallerArenaTheNewModelDoesNotFitKeepsTheOldModel() throws {
    let slot = try ModelSlot.create(serving: small)
    let arena = UnsafeMutableRawPointer.allocate(byteCount: small.arenaBytes, alignment: 1)
    defer { arena.deallocate() }
    let session = try ServingSession.create(slot: slot, arena: arena, length: small.arenaBytes)
    #expect(a.arenaBytes > small.arenaBytes)
    slot.publish(a)
    #expect(throws: RecLiteError.self) { try session.refresh() }
    #expect(session.model === small)
    #expect(try scores(session, user: 20, items: items) == runtimeScores(small, user: 20, items: items))

    // A session that owns its arena grows it instead.
    let owning = try ServingSession.create(model: small, arena: nil, length: 0)
    #expect(throws: RecLiteError.self) { try owning.refresh() }  // it follows no slot
    let following = try ServingSession.create(slot: slot, arena: nil, length: 0)
    #expect(following.model === a)
  }

  /// Three threads score without pause while a fourth publishes a and b in turn: every
  /// answer is the complete answer of the model the session says it ran.
  @Test func concurrentPublishesNeverMixModels() throws {
    let slot = try ModelSlot.create(serving: a)
    let expected = [ObjectIdentifier(a): try runtimeScores(a, user: 30, items: items),
                    ObjectIdentifier(b): try runtimeScores(b, user: 30, items: items)]
    let models = [a, b]
    let items = self.items
    let failures = Counter()
    let served = Counter()
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      if worker == 0 {
        for swap in 0..<300 { slot.publish(models[swap % 2]) }
        return
      }
      guard let session = try? ServingSession.create(slot: slot, arena: nil, length: 0) else { return failures.add() }
      for _ in 0..<2_000 {
        guard (try? session.refresh()) != nil, let answer = try? scores(session, user: 30, items: items),
          answer == expected[ObjectIdentifier(session.model)]
        else { return failures.add() }
        served.add()
      }
    }
    #expect(failures.value == 0)
    #expect(served.value == 6_000)
  }
}

/// A count several threads add to.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func add() { lock.withLock { count += 1 } }
  var value: Int { lock.withLock { count } }
}
