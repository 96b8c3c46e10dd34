/// The split of an event log. Each user's events are split by time exactly like interactions
/// (`Split`); then every event becomes (request row, item row), so the training examples, the
/// teacher's scores and the rankings are per request — a household in a context — and the
/// held-out events are ranked one by one against the whole catalog, nothing excluded: a home
/// repeats its actions, so an action done before is a fair answer again (`evaluateEvents`).
///
/// Cold start: a seeded `coldStartShare` of the training events is also given to the request of
/// the same context with the unknown user, so the out-of-vocabulary user learns what homes in
/// general do in that context — what a hub falls back to for a home the model has never seen.
public struct EventLogSplit: Sendable {
  /// Per request row: the training items (one per event, repeats kept), the validation and
  /// the test items.
  public let train: UserItems
  public let validation: UserItems
  public let test: UserItems
  /// User row of each request row (`userCount` for the cold-start rows).
  public let requestUser: [Int32]
  public let userCount: Int
  /// The real training events (request row, item row), without the cold-start copies: what the
  /// counting baselines count.
  public let trainRequests: [Int32]
  public let trainItems: [Int32]

  init(_ dataset: Dataset, coldStartShare: Double) {
    guard let requests = dataset.requests else { preconditionFailure("EventLogSplit needs an event log") }
    userCount = dataset.userCount
    requestUser = requests.userRows
    var perUser = [[(time: Int64, item: Int32, request: Int32)]](repeating: [], count: dataset.userCount)
    for e in 0..<dataset.interactionCount {
      perUser[Int(dataset.interactionUser[e])].append(
        (dataset.interactionTime[e], dataset.interactionItem[e], dataset.interactionRequest[e]))
    }
    var train = [[Int32]](repeating: [], count: requests.count)
    var validation = train, test = train
    var trainRequests: [Int32] = [], trainItems: [Int32] = []
    var random = SeededRandom(seed: 0xC01D, stream: 0x5747)
    for var events in perUser {
      events.sort { $0.time != $1.time ? $0.time < $1.time : $0.item < $1.item }
      let n = events.count
      let k = max(1, n / 10)
      let testStart = max(0, n - k), validationStart = max(0, testStart - k)
      for (position, event) in events.enumerated() {
        let request = Int(event.request)
        if position >= testStart {
          test[request].append(event.item)
        } else if position >= validationStart {
          validation[request].append(event.item)
        } else {
          train[request].append(event.item)
          trainRequests.append(event.request)
          trainItems.append(event.item)
          if Double(random.unitFloat()) < coldStartShare {
            train[Int(dataset.coldStartRequest[request])].append(event.item)
          }
        }
      }
    }
    self.train = UserItems(train)
    self.validation = UserItems(validation)
    self.test = UserItems(test)
    self.trainRequests = trainRequests
    self.trainItems = trainItems
  }
}
