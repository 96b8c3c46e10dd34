import Testing
@testable import RecLiteTrain

/// Every backward pass against central finite differences, on every parameter and input.
@Suite struct GradientCheckTests {
  func expectPass(_ check: GradientCheck, _ what: String) {
    #expect(check.passed, "\(what): \(check.failures.count) of \(check.checked) coordinates off, first \(check.failures.first.map { "\($0)" } ?? "-"), worst \(check.worst)")
  }

  @Test func gradientCheckDetectsAWrongGradient() {
    // f(x) = Σ r_i x_i²: gradient 2 r_i x_i. A gradient missing the factor 2 must fail, and one
    // wrong coordinate out of 20 must be reported.
    let x = randomFloats(20, seed: 1)
    let r = projection(20, seed: 2)
    let f: ([Float]) -> Double = { v in zip(v, r).reduce(0) { $0 + Double($1.0 * $1.0) * $1.1 } }
    let right = (0..<20).map { Float(2 * r[$0]) * x[$0] }
    expectPass(checkGradient(x, analytic: right, loss: f), "correct gradient")
    let halved = right.map { $0 / 2 }
    #expect(!checkGradient(x, analytic: halved, loss: f).passed)
    var oneOff = right
    oneOff[7] += 0.01
    let check = checkGradient(x, analytic: oneOff, loss: f)
    #expect(check.failures.count == 1 && check.failures.first?.index == 7)
  }

  @Test func dense() {
    var random = SeededRandom(seed: 5)
    let batch = 3, inputs = 5, outputs = 4
    var layer = Dense(inputs: inputs, outputs: outputs, random: &random)
    layer.bias = randomFloats(outputs, seed: 6)
    let x = randomFloats(batch * inputs, seed: 7)
    let r = projection(batch * outputs, seed: 8)
    func loss(_ l: Dense, _ input: [Float]) -> Double {
      var y = [Float](repeating: 0, count: batch * outputs)
      l.forward(input, batch: batch, into: &y)
      return project(y, r)
    }
    var grad = layer.zeroed
    var dx = [Float](repeating: 0, count: batch * inputs)
    let dy = r.map { Float($0) }
    dx.withUnsafeMutableBufferPointer { layer.backward(x: x, dy: dy, batch: batch, grad: &grad, dx: $0.baseAddress!) }
    expectPass(checkGradient(layer.weight, analytic: grad.weight) { var l = layer; l.weight = $0; return loss(l, x) }, "dense weight")
    expectPass(checkGradient(layer.bias, analytic: grad.bias) { var l = layer; l.bias = $0; return loss(l, x) }, "dense bias")
    expectPass(checkGradient(x, analytic: dx) { loss(layer, $0) }, "dense input")
  }

  @Test func denseLargerThanOneKernelTile() {
    // Exercise the 4×8 tiles, the tail rows/columns and the threaded path of matmul.
    var random = SeededRandom(seed: 15)
    let batch = 70, inputs = 19, outputs = 37
    let layer = Dense(inputs: inputs, outputs: outputs, random: &random)
    let x = randomFloats(batch * inputs, seed: 16)
    var y = [Float](repeating: 0, count: batch * outputs)
    layer.forward(x, batch: batch, into: &y)
    var worst: Float = 0
    for b in 0..<batch {
      for o in 0..<outputs {
        var s = layer.bias[o]
        for i in 0..<inputs { s += x[b * inputs + i] * layer.weight[o * inputs + i] }
        worst = max(worst, abs(s - y[b * outputs + o]))
      }
    }
    #expect(worst < 1e-5)
  }

  @Test func relu() {
    let x = awayFromZero(12, seed: 9)
    let r = projection(12, seed: 10)
    var y = x
    ReLU.forward(&y, count: 12)
    var dy = r.map { Float($0) }
    ReLU.backward(output: y, gradient: &dy, count: 12)
    expectPass(checkGradient(x, analytic: dy) { v in var out = v; ReLU.forward(&out, count: 12); return project(out, r) }, "relu")
    #expect(dy.enumerated().allSatisfy { x[$0.offset] < 0 ? $0.element == 0 : true })
  }

  @Test func embeddingWithRepeatedRows() {
    let rows = 6, dim = 3
    let table = randomFloats(rows * dim, seed: 11)
    let ids: [Int32] = [2, 0, 2, 5]
    let stride = 5, offset = 1  // written into a wider concat row
    let r = projection(ids.count * stride, seed: 12)
    func loss(_ t: [Float]) -> Double {
      var out = [Float](repeating: 0, count: ids.count * stride)
      EmbeddingLayer.forward(table: t, dim: dim, rows: ids, count: ids.count, into: &out, stride: stride, offset: offset)
      return project(out, r)
    }
    var grad = [Float](repeating: 0, count: rows * dim)
    var touched = TouchedRows(capacity: rows)
    EmbeddingLayer.backward(dOut: r.map { Float($0) }, stride: stride, offset: offset, dim: dim, rows: ids, count: ids.count, grad: &grad, touched: &touched)
    expectPass(checkGradient(table, analytic: grad, loss: loss), "embedding")
    #expect(touched.rows.sorted() == [0, 2, 5])
  }

  @Test func embeddingBagMeanIncludingEmptyBag() {
    let rows = 5, dim = 2
    let table = randomFloats(rows * dim, seed: 13)
    // bag 0 = {1, 3}, bag 1 = {}, bag 2 = {0, 1, 4}
    let offsets: [Int32] = [0, 2, 2, 5], members: [Int32] = [1, 3, 0, 1, 4]
    let bags: [Int32] = [2, 1, 0, 2]
    let r = projection(bags.count * dim, seed: 14)
    func loss(_ t: [Float]) -> Double {
      var out = [Float](repeating: 9, count: bags.count * dim)
      EmbeddingBagLayer.forward(table: t, dim: dim, bagOffsets: offsets, bagRows: members, bags: bags, count: bags.count, into: &out, stride: dim, offset: 0)
      return project(out, r)
    }
    var out = [Float](repeating: 9, count: bags.count * dim)
    EmbeddingBagLayer.forward(table: table, dim: dim, bagOffsets: offsets, bagRows: members, bags: bags, count: bags.count, into: &out, stride: dim, offset: 0)
    #expect(out[2] == 0 && out[3] == 0)  // empty bag → zero vector
    #expect(abs(out[4] - (table[2] + table[6]) / 2) < 1e-6)
    var grad = [Float](repeating: 0, count: rows * dim)
    var touched = TouchedRows(capacity: rows)
    EmbeddingBagLayer.backward(dOut: r.map { Float($0) }, stride: dim, offset: 0, dim: dim, bagOffsets: offsets, bagRows: members, bags: bags, count: bags.count, grad: &grad, touched: &touched)
    expectPass(checkGradient(table, analytic: grad, loss: loss), "embedding bag")
    #expect(touched.rows.sorted() == [0, 1, 3, 4])
  }

  @Test func fmInteraction() {
    let batch = 3, fields = 4, dim = 3, stride = fields * dim + 2
    let x = randomFloats(batch * stride, seed: 17)
    let r = projection(batch, seed: 18)
    func loss(_ v: [Float]) -> Double {
      var out = [Float](repeating: 0, count: batch)
      FMInteraction.forward(v, stride: stride, offset: 1, fields: fields, dim: dim, count: batch, into: &out)
      return project(out, r)
    }
    // Against the definition Σ_{f<g} ⟨v_f, v_g⟩.
    var out = [Float](repeating: 0, count: batch)
    FMInteraction.forward(x, stride: stride, offset: 1, fields: fields, dim: dim, count: batch, into: &out)
    for b in 0..<batch {
      var pairwise: Float = 0
      for f in 0..<fields {
        for g in (f + 1)..<fields {
          for j in 0..<dim { pairwise += x[b * stride + 1 + f * dim + j] * x[b * stride + 1 + g * dim + j] }
        }
      }
      #expect(abs(pairwise - out[b]) < 1e-5)
    }
    var dx = [Float](repeating: 0, count: batch * stride)
    FMInteraction.backward(x, stride: stride, offset: 1, fields: fields, dim: dim, count: batch, dOut: r.map { Float($0) }, dx: &dx)
    expectPass(checkGradient(x, analytic: dx, loss: loss), "fm")
  }

  @Test func dotProduct() {
    let batch = 4, dim = 3
    let a = randomFloats(batch * dim, seed: 19), c = randomFloats(batch * dim, seed: 20)
    let r = projection(batch, seed: 21)
    func loss(_ x: [Float], _ y: [Float]) -> Double {
      var out = [Float](repeating: 0, count: batch)
      DotProduct.forward(x, y, dim: dim, count: batch, into: &out)
      return project(out, r)
    }
    var da = a, dc = c
    DotProduct.backward(a, c, dim: dim, count: batch, dOut: r.map { Float($0) }, da: &da, dc: &dc)
    expectPass(checkGradient(a, analytic: da) { loss($0, c) }, "dot a")
    expectPass(checkGradient(c, analytic: dc) { loss(a, $0) }, "dot c")
  }

  @Test func bceAndSoftLabelLoss() {
    let z: [Float] = [-3, -0.4, 0.2, 2.5]
    for (target, teacher) in [(Float(0), Float(-1)), (1, 2), (0.3, 0.5)] {
      let hard = z.map { Logistic.sigmoid($0) - target }
      expectPass(checkGradient(z, analytic: hard) { v in v.reduce(0) { $0 + Double(Logistic.bceWithLogits($1, target: target)) } }, "bce")
      for T: Float in [1, 2, 4] {
        let soft = z.map { SoftLabelLoss.gradient(student: $0, teacher: teacher, temperature: T) }
        expectPass(checkGradient(z, analytic: soft) { v in v.reduce(0) { $0 + Double(SoftLabelLoss.loss(student: $1, teacher: teacher, temperature: T)) } }, "soft T=\(T)")
      }
    }
  }
}

/// Whole-model checks: forward + backward of DeepFM and two-tower against finite differences
/// on every parameter slot (the composition of the layers above, wiring included).
@Suite struct ModelGradientTests {
  let features = ItemFeatures(
    genreOffsets: [0, 2, 2, 3, 5, 6, 6], genreRows: [0, 2, 1, 0, 1, 2],
    yearBucket: [0, 1, 2, 0, 1, 2], genreCount: 3, yearBucketCount: 2)
  // Items 0…4 plus the OOV item 5; users 0…2 plus OOV 3. Users and items repeat on purpose:
  // DeepFM computes user-only and item-only parts once per distinct row of a batch.
  let users: [Int32] = [0, 1, 2, 1, 3, 0, 2]
  let items: [Int32] = [0, 1, 3, 4, 2, 5, 1]
  let targets: [Float] = [1, 0, 1, 0, 0.3, 1, 0.6]

  func lossAndGradient<M: TrainableModel>(_ model: M) -> (Double, M, [Float]) {
    var ws = model.makeWorkspace()
    var logits = [Float](repeating: 0, count: users.count)
    model.forward(users: users, items: items, count: users.count, workspace: &ws, logits: &logits)
    var loss = 0.0
    var d = [Float](repeating: 0, count: users.count)
    for b in 0..<users.count {
      loss += Double(Logistic.bceWithLogits(logits[b], target: targets[b]))
      d[b] = Logistic.sigmoid(logits[b]) - targets[b]
    }
    var grads = model.zeroed
    var touched = model.parameterSlots.map { TouchedRows(capacity: $0.count) }
    model.backward(dLogits: d, users: users, items: items, count: users.count, workspace: &ws, gradients: &grads, touched: &touched)
    return (loss, grads, logits)
  }

  func checkAllSlots<M: TrainableModel>(_ model: M) {
    let (_, grads, logits) = lossAndGradient(model)
    // The scorer must agree with forward.
    let scorer = model.makeScorer()
    for b in 0..<users.count where Int(items[b]) < scorer.itemCount {
      let s = scorer.scores(userRow: Int(users[b]), itemRows: [Int(items[b])])[0]
      #expect(abs(s - logits[b]) < 1e-4, "scorer \(s) vs forward \(logits[b])")
    }
    for slot in model.parameterSlots {
      let check = checkGradient(model[keyPath: slot.path], analytic: grads[keyPath: slot.path], h: 2e-3, absolute: 1e-3, relative: 1e-2) { values in
        var probe = model
        probe[keyPath: slot.path] = values
        return lossAndGradient(probe).0
      }
      #expect(check.passed, "\(slot.name): \(check.failures.count)/\(check.checked) off, first \(check.failures.first.map { "\($0)" } ?? "-")")
    }
  }

  @Test func deepFM() {
    var model = DeepFM(config: DeepFMConfig(dim: 3, hidden: [5, 4]), userCount: 3, itemCount: 5, features: features, seed: 3)
    // Non-zero linear terms and larger embeddings so every path carries gradient.
    model.userLinear = randomFloats(4, seed: 1)
    model.itemLinear = randomFloats(6, seed: 2)
    model.genreLinear = randomFloats(4, seed: 3)
    model.yearLinear = randomFloats(3, seed: 4)
    model.globalBias = [0.2]
    model.userEmbedding = randomFloats(model.userEmbedding.count, seed: 5)
    model.itemEmbedding = randomFloats(model.itemEmbedding.count, seed: 6)
    model.genreEmbedding = randomFloats(model.genreEmbedding.count, seed: 7)
    model.yearEmbedding = randomFloats(model.yearEmbedding.count, seed: 8)
    for l in model.mlp.indices { model.mlp[l].bias = randomFloats(model.mlp[l].outputs, seed: 9 + UInt64(l), scale: 0.3) }
    checkAllSlots(model)
  }

  @Test func twoTower() {
    var model = TwoTower(
      config: TwoTowerConfig(embeddingDim: 3, outputDim: 2, userHidden: [4], itemHidden: [5]),
      userCount: 3, itemCount: 5, features: features, seed: 4)
    model.userEmbedding = randomFloats(model.userEmbedding.count, seed: 5)
    model.itemEmbedding = randomFloats(model.itemEmbedding.count, seed: 6)
    model.genreEmbedding = randomFloats(model.genreEmbedding.count, seed: 7)
    model.yearEmbedding = randomFloats(model.yearEmbedding.count, seed: 8)
    model.itemBias = randomFloats(6, seed: 9)
    for l in model.userTower.indices { model.userTower[l].bias = randomFloats(model.userTower[l].outputs, seed: 20 + UInt64(l), scale: 0.3) }
    for l in model.itemTower.indices { model.itemTower[l].bias = randomFloats(model.itemTower[l].outputs, seed: 30 + UInt64(l), scale: 0.3) }
    checkAllSlots(model)
  }

  @Test func twoTowerWithoutUserDense() {
    let model = TwoTower(
      config: TwoTowerConfig(embeddingDim: 2, outputDim: 2), userCount: 3, itemCount: 5, features: features, seed: 4)
    #expect(model.userTower.isEmpty && model.itemTower.count == 1)
    checkAllSlots(model)
  }
}
