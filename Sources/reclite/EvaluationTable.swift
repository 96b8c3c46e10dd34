// Evaluation results as a readable table.

import Foundation
import RecLiteTrain

enum EvaluationTable {
  /// One block per model: metrics at each cut-off, then AUC, log-loss and coverage.
  static func render(_ results: [(name: String, result: EvaluationResult)]) -> String {
    let width = max(5, results.map(\.name.count).max() ?? 0)
    var out = "  " + "model".padded(width) + "    K      HR    NDCG    Prec  Recall      F1\n"
    for (name, result) in results {
      for m in result.atK {
        out += "  " + name.padded(width) + String(format: "  %3d  %.4f  %.4f  %.4f  %.4f  %.4f\n", m.k, m.hr, m.ndcg, m.precision, m.recall, m.f1)
      }
      let logLoss = result.logLoss.map { String(format: "%.4f", $0) } ?? "-"
      out += "  " + "".padded(width) + String(format: "  AUC %.4f  log-loss ", result.auc ?? .nan) + logLoss
        + String(format: "  coverage@10 %.4f\n", result.coverageAt10)
    }
    return out
  }
}
