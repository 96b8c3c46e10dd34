/// The request side of a DeepFM (see the `DeepFM` extension in DeepFMItemSide.swift): what the
/// catalog scorer and the exported graph compute once per request.
extension DeepFM {
  /// User row of a request row (the row itself without context).
  public func userRow(ofRequest row: Int) -> Int { requests.map { Int($0.userRows[row]) } ?? row }

  /// For request row `row`: r = [v_u, v_c1, …] (`requestWidth` values), Σr (the sum of its field
  /// vectors, `dim` values) and w_r + FM(r) (first-order terms and the FM among its own fields).
  public func requestSide(_ row: Int) -> (fields: [Float], sum: [Float], constant: Float) {
    let d = dim, user = userRow(ofRequest: row)
    var fields = Array(userEmbedding[(user * d)..<((user + 1) * d)])
    var constant = userLinear[user]
    if let requests {
      for f in 0..<requests.fieldCount {
        let value = Int(requests.contextRows[f][row])
        fields += contextEmbedding[f][(value * d)..<((value + 1) * d)]
        constant += contextLinear[f][value]
      }
    }
    var sum = [Float](repeating: 0, count: d)
    for f in 0..<(fields.count / d) {
      for j in 0..<d { sum[j] += fields[f * d + j] }
    }
    var fm: [Float] = [0]
    FMInteraction.forward(fields, stride: fields.count, offset: 0, fields: fields.count / d, dim: d, count: 1, into: &fm)
    return (fields, sum, constant + fm[0])
  }
}
