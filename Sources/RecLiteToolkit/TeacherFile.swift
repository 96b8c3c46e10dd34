// A teacher given as a .rlm file (`reclite distill --teacher`, `reclite sweep --teacher`): its
// scores through the runtime become the soft labels' logits, so they must BE the model's logits.
// The exporter of 30 Nov – 2 Dec 2026 (commit 73804fd, undone by dea516b) multiplied a fused
// teacher's logit by k ≤ 1 before its sigmoid; the runtime ranks on the value before the sigmoid,
// so such a file still ranks like the model, but σ(k·z) with k ≈ 0.2 is a much flatter soft label
// than σ(z) (an unseen item's mean σ 0.18 instead of 0.07; a top-10 item's 0.91 instead of 0.995):
// the student learns other targets than the teacher's. Those files say so in their `als_fusion`
// metadata ("score = σ(k·logit)"), which is how they are recognized and refused.

import Foundation
import RecLiteRuntime
import RecLiteTrain

public enum TeacherFile {
  public struct Refusal: Error, CustomStringConvertible {
    public let description: String
  }

  /// Reads `path`, opens it through the runtime for `dataset`'s rows, and checks that its scores
  /// are logits. A file of scaled logits is refused; a RAW-score model is accepted with the
  /// returned warning (its scores are used as logits, which only the file's author can vouch for).
  public static func open(_ path: String, dataset: Dataset) throws -> (scorer: RuntimeScorer, warning: String?) {
    let bytes: [UInt8]
    do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
      throw Refusal(description: "teacher \(path): cannot read it (\(error.localizedDescription))")
    }
    let scorer = try RuntimeScorer(bytes: bytes, dataset: dataset)
    return (scorer, try check(scorer.model, path: path))
  }

  /// Nil for a file whose scores are its logits; a warning for RAW scores; throws for a file
  /// whose scores are its logits scaled by a factor other than 1.
  public static func check(_ model: RecLiteRuntime.Model, path: String) throws -> String? {
    if let fusion = model.metadata(key: "als_fusion")?.description, let k = outputScale(fusion), k != 1 {
      throw Refusal(description: """
        teacher \(path): its scores are σ(\(k)·logit), not the model's logits (the exporter of 30 Nov – 2 Dec 2026 \
        scaled a fused teacher's logit; metadata als_fusion: "\(fusion)"). Distilling from them flattens every soft \
        label. Export the teacher again with this version (make demo writes teacher-seedN.rlm), or leave out \
        --teacher and let the sweep train one
        """)
    }
    guard model.graph.scoreKind == .logit else {
      return "teacher \(path): its scores are RAW (the model does not end in a sigmoid); distillation uses them as logits"
    }
    return nil
  }

  /// k in an `als_fusion` entry ending "; score = σ(k·logit)", or nil when it has none.
  static func outputScale(_ fusion: String) -> Float? {
    guard let start = fusion.range(of: "score = σ("), let end = fusion.range(of: "·logit)", range: start.upperBound..<fusion.endIndex)
    else { return nil }
    return Float(fusion[start.upperBound..<end.lowerBound])
  }
}
