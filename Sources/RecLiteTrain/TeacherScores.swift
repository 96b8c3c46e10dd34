import Foundation

/// Where distillation gets teacher logits: the built-in teacher (a dense score matrix) or a file
/// written by a teacher trained anywhere else ("bring your own teacher").
public protocol TeacherScores: Sendable {
  /// The teacher's logit for (user row, item row), or nil when the teacher gave none.
  func logit(user: Int, item: Int) -> Float?
  /// The teacher's best `k` item rows for a user among items the user has no training
  /// interaction with, best first (ties by item row).
  func topItems(user: Int, k: Int, train: UserItems) -> [Int]
}

/// Teacher logits for every (user, catalog item) pair, computed once from a scorer:
/// `[userCount][itemCount]` floats (24 MB for ml-latest-small). It is also a `Scorer` (a table
/// lookup), so the pipeline evaluates the teacher from the same matrix instead of re-running it.
public struct DenseTeacherScores: TeacherScores, Scorer {
  public var scoresAreLogits: Bool { true }
  public let userCount: Int
  public let itemCount: Int
  public let logits: [Float]

  public init(scorer: any Scorer, userCount: Int) {
    self.userCount = userCount
    itemCount = scorer.itemCount
    let n = itemCount
    let matrix = SharedBuffer<Float>(repeating: 0, count: userCount * n)
    // Each user writes its own row of the matrix.
    parallelForEach(userCount, block: 4) { user in
      scorer.scoreAll(userRow: user, into: UnsafeMutableBufferPointer(start: matrix.pointer + user * n, count: n))
    }
    logits = matrix.array
  }

  init(userCount: Int, itemCount: Int, logits: [Float]) {
    precondition(logits.count == userCount * itemCount, "one logit per (user, item)")
    self.userCount = userCount
    self.itemCount = itemCount
    self.logits = logits
  }

  /// The matrix of this model with `fused` fused in (`DeepFM.fusing`), from this matrix of the
  /// plain model: the fused model's scorer adds ⟨p_u, q_i⟩ to the plain score (DeepFMScorer),
  /// so adding it here gives the same bits without running the MLP over the catalog again.
  public func adding(_ fused: FusedFactors) -> DenseTeacherScores {
    let n = itemCount
    let matrix = SharedBuffer<Float>(repeating: 0, count: userCount * n)
    // Each user writes its own row.
    logits.withUnsafeBufferPointer { plain in
      let plainBits = UInt(bitPattern: plain.baseAddress)
      parallelForEach(userCount, block: 16) { user in
        guard let base = UnsafePointer<Float>(bitPattern: plainBits) else { return }
        for item in 0..<n {
          let at = user * n + item
          matrix[at] = base[at] + fused.score(user: user, item: item)
        }
      }
    }
    return DenseTeacherScores(userCount: userCount, itemCount: n, logits: matrix.array)
  }

  public func logit(user: Int, item: Int) -> Float? { logits[user * itemCount + item] }

  /// Rows of known users only (the matrix has no OOV row).
  public func scoreAll(userRow: Int, into scores: UnsafeMutableBufferPointer<Float>) {
    precondition(userRow < userCount, "DenseTeacherScores has no OOV user row")
    logits.withUnsafeBufferPointer { all in
      for i in 0..<itemCount { scores[i] = all[userRow * itemCount + i] }
    }
  }

  public func topItems(user: Int, k: Int, train: UserItems) -> [Int] {
    logits.withUnsafeBufferPointer { all in
      Ranking.topK(
        UnsafeBufferPointer(rebasing: all[(user * itemCount)..<((user + 1) * itemCount)]), k: k
      ) { train.contains(user: user, item: $0) }
    }
  }
}

/// Teacher logits read from a CSV with header `user,item,logit` in raw ids. Pairs the file does
/// not list have no soft label: distillation then uses only the hard loss for them, and the
/// teacher's top-K is taken among the listed items. Ids not in the data set are an error with the
/// line number (they usually mean the file belongs to another data set); so is a repeated pair.
public struct FileTeacherScores: TeacherScores {
  /// Per user row: listed item rows ascending with their logits.
  private let items: [[Int32]]
  private let values: [[Float]]

  public init(path: String, dataset: Dataset) throws {
    guard !dataset.isEventLog else {
      throw DataFileError(
        path: path, line: 0,
        message: "teacher logits by (user, item) cannot teach a model with context columns, whose scores depend on the context")
    }
    let document = try CSVReader.read(path: path)
    let userColumn = try document.column("user")
    let itemColumn = try document.column("item")
    let logitColumn = try document.column("logit")
    var pairs = [[(Int32, Float, Int)]](repeating: [], count: dataset.userCount)
    for record in document.records {
      let userId = try document.int64(record, userColumn)
      let itemId = try document.int64(record, itemColumn)
      let logit = try document.double(record, logitColumn)
      guard let user = dataset.userRow(userId) else {
        throw document.error(record, "user \(userId) is not in the data set")
      }
      guard let item = dataset.itemRow(itemId) else {
        throw document.error(record, "item \(itemId) is not in the catalog")
      }
      pairs[user].append((Int32(item), Float(logit), record.line))
    }
    var items: [[Int32]] = [], values: [[Float]] = []
    for var list in pairs {
      list.sort { $0.0 < $1.0 }
      for index in list.indices.dropFirst() where list[index].0 == list[index - 1].0 {
        throw DataFileError(
          path: path, line: list[index].2,
          message: "pair repeated (first on line \(list[index - 1].2))")
      }
      items.append(list.map(\.0))
      values.append(list.map(\.1))
    }
    self.items = items
    self.values = values
  }

  public func logit(user: Int, item: Int) -> Float? {
    let list = items[user]
    var low = 0, high = list.count
    while low < high {
      let mid = (low + high) / 2
      if Int(list[mid]) < item { low = mid + 1 } else { high = mid }
    }
    return low < list.count && Int(list[low]) == item ? values[user][low] : nil
  }

  public func topItems(user: Int, k: Int, train: UserItems) -> [Int] {
    let candidates = zip(items[user], values[user]).filter { !train.contains(user: user, item: Int($0.0)) }
    let sorted = candidates.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    return sorted.prefix(k).map { Int($0.0) }
  }
}
