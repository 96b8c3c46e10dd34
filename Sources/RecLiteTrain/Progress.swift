import Foundation

/// A progress bar on stderr for training: epoch, loss, examples/s and ETA. On a terminal it
/// redraws one line in place (at most ~5 times a second); when stderr is a file or pipe it prints
/// one line per finished epoch, so logs stay readable.
public final class ProgressBar {
  private let label: String
  private let enabled: Bool
  private let interactive: Bool
  private var epoch = 0
  private var epochs = 0
  private var total = 0
  private var started = DispatchTime.now()
  private var lastDraw = DispatchTime.now()

  public init(label: String, enabled: Bool = true) {
    self.label = label
    self.enabled = enabled
    interactive = isatty(2) != 0
  }

  public func startEpoch(_ epoch: Int, of epochs: Int, examples: Int) {
    self.epoch = epoch
    self.epochs = epochs
    total = examples
    started = DispatchTime.now()
    lastDraw = started
  }

  public func update(done: Int, loss: Double) {
    guard enabled, interactive else { return }
    let now = DispatchTime.now()
    guard now.uptimeNanoseconds - lastDraw.uptimeNanoseconds > 200_000_000 else { return }
    lastDraw = now
    let elapsed = secondsSince(started)
    let rate = Double(done) / max(elapsed, 1e-9)
    let eta = Double(total - done) / max(rate, 1e-9)
    let width = 24
    let filled = total > 0 ? min(width, width * done / total) : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    write(
      "\r\(label) epoch \(epoch)/\(epochs) [\(bar)] loss \(format(loss, 4)) "
        + "\(Int(rate)) ex/s ETA \(Int(eta.rounded()))s   ")
  }

  /// Ends the epoch with a summary (loss, speed, and whatever `extra` says, e.g. validation NDCG).
  public func finishEpoch(loss: Double, examples: Int, extra: String) {
    guard enabled else { return }
    let elapsed = secondsSince(started)
    let line =
      "\(label) epoch \(epoch)/\(epochs) loss \(format(loss, 4)) "
      + "\(Int(Double(examples) / max(elapsed, 1e-9))) ex/s \(format(elapsed, 1))s \(extra)"
    write(interactive ? "\r\(line)\u{1B}[K\n" : line + "\n")
  }

  public func message(_ text: String) {
    guard enabled else { return }
    write(text + "\n")
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}

func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
