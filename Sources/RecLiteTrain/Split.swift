/// The per-user temporal split of DESIGN.md's "Protocol": each user's interactions sorted by
/// (timestamp, item id); with n of them and k = max(1, floor(n/10)), the last k are test, the k
/// before them validation, the rest training. (A user with n < 3 keeps what is left for training:
/// test takes k first, then validation, so train can be empty for tiny users.)
///
/// Item rows are in ascending raw-id order, so sorting by row breaks timestamp ties by item id.
public struct Split: Sendable {
  public let userCount: Int
  public let itemCount: Int
  /// Per-user item rows in CSR form; within a user, in time order.
  public let train: UserItems
  public let validation: UserItems
  public let test: UserItems
  /// For an event log (data with context): the same split of each user's events, but the rows
  /// above are request rows and held-out events are ranked one by one (`EventLogSplit`).
  public let eventLog: EventLogSplit?

  public var isEventLog: Bool { eventLog != nil }

  /// The share of training events also shown as an unknown user's (`EventLogSplit`).
  public static let coldStartShare = 0.1

  public init(_ dataset: Dataset, coldStartShare: Double = Split.coldStartShare) {
    itemCount = dataset.itemCount
    if dataset.isEventLog {
      let log = EventLogSplit(dataset, coldStartShare: coldStartShare)
      userCount = log.requestUser.count
      (train, validation, test) = (log.train, log.validation, log.test)
      eventLog = log
      return
    }
    eventLog = nil
    userCount = dataset.userCount
    var perUser = [[(time: Int64, item: Int32)]](repeating: [], count: dataset.userCount)
    for index in 0..<dataset.interactionCount {
      perUser[Int(dataset.interactionUser[index])].append(
        (dataset.interactionTime[index], dataset.interactionItem[index]))
    }
    var train = [[Int32]](), validation = [[Int32]](), test = [[Int32]]()
    for var list in perUser {
      list.sort { $0.time != $1.time ? $0.time < $1.time : $0.item < $1.item }
      let n = list.count
      let k = max(1, n / 10)
      let testStart = max(0, n - k)
      let validationStart = max(0, testStart - k)
      test.append(list[testStart..<n].map(\.item))
      validation.append(list[validationStart..<testStart].map(\.item))
      train.append(list[0..<validationStart].map(\.item))
    }
    self.train = UserItems(train)
    self.validation = UserItems(validation)
    self.test = UserItems(test)
  }
}

/// A list of item rows per user, stored flat (CSR) for cache-friendly scans, with a bitset for
/// O(1) membership tests (used to exclude seen items from rankings and negative samples).
public struct UserItems: Sendable {
  public let offsets: [Int]
  public let items: [Int32]
  private let bits: [UInt64]
  private let wordsPerUser: Int

  public init(_ lists: [[Int32]]) {
    var offsets = [0]
    var items: [Int32] = []
    for list in lists {
      items += list
      offsets.append(items.count)
    }
    let maxItem = Int(items.max() ?? 0)
    wordsPerUser = maxItem / 64 + 1
    var bits = [UInt64](repeating: 0, count: wordsPerUser * lists.count)
    for (user, list) in lists.enumerated() {
      for item in list {
        bits[user * wordsPerUser + Int(item) / 64] |= 1 << UInt64(Int(item) % 64)
      }
    }
    self.offsets = offsets
    self.items = items
    self.bits = bits
  }

  public var userCount: Int { offsets.count - 1 }
  public var count: Int { items.count }
  public func items(of user: Int) -> ArraySlice<Int32> { items[offsets[user]..<offsets[user + 1]] }
  public func count(of user: Int) -> Int { offsets[user + 1] - offsets[user] }

  @inline(__always)
  public func contains(user: Int, item: Int) -> Bool {
    let word = item / 64
    guard word < wordsPerUser else { return false }
    return bits[user * wordsPerUser + word] & (1 << UInt64(item % 64)) != 0
  }
}
