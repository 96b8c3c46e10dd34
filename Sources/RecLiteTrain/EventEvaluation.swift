import Dispatch

/// Per-event evaluation of an event log (`EventLogSplit`): every held-out event is ranked on
/// its own, with its own request — the household and the context the event happened in, not the
/// household's last one — against the whole catalog, nothing excluded (a home repeats its
/// actions). An event's metrics at K are those of a ranking with one relevant item: HR = hit,
/// NDCG = 1/log2(rank + 1) on a hit, precision = hit/K, recall = hit. They are averaged over the
/// user's held-out events and then over users, so every household weighs the same and paired
/// comparisons resample households (`users` are user rows, `ndcg…PerUser` per household).
/// AUC and log-loss pair each held-out event with sampled items not held out for its request.
func evaluateEvents(
  _ scorer: any Scorer, log: EventLogSplit, on heldOutSet: HeldOutSet, options: EvaluationOptions
) -> EvaluationResult {
  let start = DispatchTime.now()
  let cutoffs = options.cutoffs.sorted()
  let maxK = max(10, cutoffs.last ?? 10)
  let target = heldOutSet == .test ? log.test : log.validation
  let requests = (0..<target.userCount).filter { target.count(of: $0) > 0 }
  let n = scorer.itemCount
  let eventMetrics = SharedBuffer<[[Ranking.UserMetrics]]>(repeating: [], count: requests.count)
  let tops = SharedBuffer<[Int]>(repeating: [], count: requests.count)
  let pairScores = SharedBuffer<[Float]>(repeating: [], count: requests.count)
  let pairLabels = SharedBuffer<[Bool]>(repeating: [], count: requests.count)

  parallelForEach(requests.count, block: 8) { index in
    let request = requests[index]
    var scores = [Float](repeating: 0, count: n)
    scores.withUnsafeMutableBufferPointer { scorer.scoreAll(userRow: request, into: $0) }
    let ranked = scores.withUnsafeBufferPointer { Ranking.topK($0, k: maxK) { _ in false } }
    let events = target.items(of: request)
    eventMetrics[index] = events.map { item in cutoffs.map { Ranking.userMetrics(ranked: ranked, heldOut: [Int(item)], k: $0) } }
    tops[index] = Array(ranked.prefix(10))
    var random = SeededRandom(seed: options.seed, stream: UInt64(request) &+ 0xE7E)
    (pairScores[index], pairLabels[index]) = aucPairs(
      scores, positives: events, negativesPerPositive: options.negativesPerPositive, random: &random
    ) { target.contains(user: request, item: $0) }
  }

  // Events → their user's mean, users in ascending row order.
  var sums: [Int: (count: Int, metrics: [Ranking.UserMetrics])] = [:]
  for (index, request) in requests.enumerated() {
    let user = Int(log.requestUser[request])
    for event in eventMetrics[index] {
      var entry = sums[user] ?? (0, cutoffs.map { _ in Ranking.UserMetrics(hit: 0, ndcg: 0, precision: 0, recall: 0, f1: 0) })
      entry.count += 1
      for c in cutoffs.indices {
        entry.metrics[c].hit += event[c].hit
        entry.metrics[c].ndcg += event[c].ndcg
        entry.metrics[c].precision += event[c].precision
        entry.metrics[c].recall += event[c].recall
        entry.metrics[c].f1 += event[c].f1
      }
      sums[user] = entry
    }
  }
  let sorted = sums.sorted { $0.key < $1.key }
  let users = sorted.map(\.key)
  let perUser = sorted.map { _, entry -> [Ranking.UserMetrics] in
    let scale = 1 / Double(entry.count)
    return entry.metrics.map {
      Ranking.UserMetrics(
        hit: $0.hit * scale, ndcg: $0.ndcg * scale, precision: $0.precision * scale, recall: $0.recall * scale, f1: $0.f1 * scale)
    }
  }
  return EvaluationResult(
    heldOut: heldOutSet, cutoffs: cutoffs, users: users, perUser: perUser, tops: tops.array,
    pairScores: pairScores.array.flatMap { $0 }, pairLabels: pairLabels.array.flatMap { $0 },
    logits: scorer.scoresAreLogits, itemCount: n, rocPoints: options.rocPoints, seconds: secondsSince(start))
}
