/// One trainable array of a model, named and shaped for the exporter and the optimizer.
public struct ParameterSlot<Model> {
  public let name: String
  /// Shape in row-major order, e.g. `[rows, dim]` for a table, `[out, in]` for a dense weight.
  public let shape: [Int]
  public let path: WritableKeyPath<Model, [Float]>
  /// Row width when the array is an embedding table updated sparsely (only touched rows);
  /// nil for dense parameters, updated as a whole every step.
  public let sparseRowWidth: Int?
  /// Whether L2 regularisation applies (weights and embeddings yes, biases no).
  public let decays: Bool

  public var count: Int { shape.reduce(1, *) }
}

/// A model the trainer can optimise: it names its parameters, runs a batched forward pass to
/// logits and a backward pass from logit gradients into a same-shaped gradient model.
public protocol TrainableModel: Sendable {
  associatedtype Workspace
  var parameterSlots: [ParameterSlot<Self>] { get }
  /// The same model with every parameter zero (a gradient accumulator).
  var zeroed: Self { get }
  func makeWorkspace() -> Workspace
  /// logits[0..<count] for the (user row, item row) pairs.
  func forward(users: [Int32], items: [Int32], count: Int, workspace: inout Workspace, logits: inout [Float])
  /// Adds ∂loss/∂θ into `gradients` given ∂loss/∂logit, using what forward left in `workspace`;
  /// records touched rows of sparse slots in `touched[slotIndex]`.
  func backward(
    dLogits: [Float], users: [Int32], items: [Int32], count: Int, workspace: inout Workspace,
    gradients: inout Self, touched: inout [TouchedRows])
  /// A fast full-catalog scorer (item side precomputed) for evaluation and teacher top-K.
  func makeScorer() -> any Scorer
  /// Scalars the model is made of (what "parameters" means in reports): its trainable slots,
  /// plus any frozen part it carries.
  var parameterCount: Int { get }
}

extension TrainableModel {
  /// Every slot set to zeros; everything else (shapes, frozen parts) kept.
  public var zeroed: Self {
    var copy = self
    for slot in parameterSlots { copy[keyPath: slot.path] = [Float](repeating: 0, count: slot.count) }
    return copy
  }

  /// Total number of trainable scalars.
  public var trainableParameterCount: Int { parameterSlots.reduce(0) { $0 + $1.count } }
  public var parameterCount: Int { trainableParameterCount }

  /// Parameters by name, for export and for tests that compare two runs.
  public var namedParameters: [(name: String, shape: [Int], values: [Float])] {
    parameterSlots.map { ($0.name, $0.shape, self[keyPath: $0.path]) }
  }
}

/// Adam (Kingma & Ba) with lazy sparse rows: for embedding tables only the rows a batch touched
/// get their moments and weights updated (rows untouched in a step keep stale moments, the
/// standard "LazyAdam" trade that makes a step O(batch) instead of O(table)). L2 is added to the
/// gradient (coupled), for embeddings only on touched rows.
public struct AdamOptimizer<Model: TrainableModel> {
  public var learningRate: Float
  public let beta1: Float = 0.9
  public let beta2: Float = 0.999
  public let epsilon: Float = 1e-8
  public var l2: Float
  private var first: [[Float]]
  private var second: [[Float]]
  private var step = 0
  private let slots: [ParameterSlot<Model>]

  public init(model: Model, learningRate: Float, l2: Float) {
    self.learningRate = learningRate
    self.l2 = l2
    slots = model.parameterSlots
    first = slots.map { [Float](repeating: 0, count: $0.count) }
    second = first
  }

  /// Applies one step and leaves `gradients` zero and `touched` empty for the next batch.
  public mutating func apply(model: inout Model, gradients: inout Model, touched: inout [TouchedRows]) {
    step += 1
    let c1 = 1 - powf(beta1, Float(step)), c2 = 1 - powf(beta2, Float(step))
    let rate = learningRate * c2.squareRoot() / c1
    let (b1, b2, eps) = (beta1, beta2, epsilon)
    for (s, slot) in slots.enumerated() {
      let decay: Float = slot.decays ? l2 : 0
      model[keyPath: slot.path].withUnsafeMutableBufferPointer { w in
        gradients[keyPath: slot.path].withUnsafeMutableBufferPointer { g in
          first[s].withUnsafeMutableBufferPointer { m in
            second[s].withUnsafeMutableBufferPointer { v in
              // Element-wise, so splitting the elements across threads changes nothing.
              guard w.count > 0 else { return }
              let (wp, gp, mp, vp) = (w.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!)
              let epsHat = eps * c2.squareRoot()
              let step = AdamStep(rate: rate, beta1: b1, beta2: b2, epsilonHat: epsHat, decay: decay)
              if let width = slot.sparseRowWidth {
                let rows = touched[s].rows
                rows.withUnsafeBufferPointer { rp in
                  parallelChunks(rows.count, minimumChunk: max(1, 8192 / width)) { range in
                    for r in range {
                      let start = Int(rp[r]) * width
                      step.apply(wp, gp, mp, vp, start..<(start + width))
                    }
                  }
                }
              } else {
                parallelChunks(w.count, minimumChunk: 16384) { range in step.apply(wp, gp, mp, vp, range) }
              }
            }
          }
        }
      }
      touched[s].removeAll()
    }
  }
}

import Foundation

/// One Adam update of elements `range` (weights w, gradients g zeroed after use, moments m and
/// v). The SIMD lanes perform exactly the scalar operations in the same order (no fused
/// multiply-adds), so results do not depend on the vector width or the thread split.
struct AdamStep {
  let rate: Float, beta1: Float, beta2: Float, epsilonHat: Float, decay: Float

  @inline(__always)
  func apply(
    _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
    _ v: UnsafeMutablePointer<Float>, _ range: Range<Int>
  ) {
    var i = range.lowerBound
    let end = range.upperBound
    if end - i >= 8 {
      let decay8 = SIMD8(repeating: decay), b1 = SIMD8(repeating: beta1), b2 = SIMD8(repeating: beta2)
      let c1 = SIMD8(repeating: 1 - beta1), c2 = SIMD8(repeating: 1 - beta2)
      let rate8 = SIMD8(repeating: rate), eps8 = SIMD8(repeating: epsilonHat)
      while i + 8 <= end {
        let wi = Kernels.load8(w + i)
        let grad = Kernels.load8(g + i) + decay8 * wi
        let mi = b1 * Kernels.load8(m + i) + c1 * grad
        let vi = b2 * Kernels.load8(v + i) + c2 * grad * grad
        Kernels.store8(mi, m + i)
        Kernels.store8(vi, v + i)
        Kernels.store8(wi - rate8 * mi / (vi.squareRoot() + eps8), w + i)
        Kernels.store8(SIMD8<Float>(), g + i)
        i += 8
      }
    }
    while i < end {
      let grad = g[i] + decay * w[i]
      let mi = beta1 * m[i] + (1 - beta1) * grad
      let vi = beta2 * v[i] + (1 - beta2) * grad * grad
      m[i] = mi
      v[i] = vi
      w[i] -= rate * mi / (vi.squareRoot() + epsilonHat)
      g[i] = 0
      i += 1
    }
  }
}
