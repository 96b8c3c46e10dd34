// `reclite compress MODEL.rlm --quantize int8|int4|mixed`: post-training quantization of a
// model file, from the file alone.

import ArgumentParser
import Foundation
import RecLiteRuntime
import RecLiteToolkit
import RecLiteWriter

extension ExportOptions.Tables: ExpressibleByArgument {}
extension ExportOptions.Titles: ExpressibleByArgument {}

struct CompressCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compress",
    abstract: "Quantize a .rlm model after training: int8, int4 or mixed embedding rows, int8 dense weights.",
    discussion: """
      Decodes every embedding table of the model and stores it again as row-wise
      int8 (uint8 codes, float32 scale and bias per row), int4 (uint4 codes, float16
      scale and bias: about an eighth of float32) or mixed (the catalog's most
      popular items — by the popularity order the file carries — as int8 rows, the
      rest as int4, in one mixed-precision table). Tables one or two values wide
      (biases) stay float32 under int8 and become float16 under int4 and mixed.
      Dense weights become per-output-channel int8 (CSR weights stay CSR). Ids and
      feature bags are stored in the narrowest integer type that holds them, and
      --titles none drops the display titles. A table already quantized narrower
      than asked is an error, never quantized again. The result is verified by the
      runtime before it is written; `reclite eval` measures what it cost.

      --csr re-decides which pruned dense weights are stored as CSR (the exporter
      timed both forms on the machine that exported; a device may differ): none,
      all (every weight with half or more zeros) or weight names; `reclite bench`
      then compares the files on the device. It needs no --quantize.

      Examples:
        reclite compress out/two-tower-distilled-seed1.rlm --quantize int4
        reclite compress model.rlm --quantize mixed --titles none --out model-lean.rlm
        reclite compress pruned.rlm --csr none --out pruned-dense.rlm
      """
  )

  @Argument(help: "The .rlm file to compress.")
  var model: String

  @Option(help: "int8, int4 or mixed.")
  var quantize: ExportOptions.Tables?

  @Option(help: ArgumentHelp("Dense weights stored as CSR: none, all (those with half or more zeros), or names, comma-separated.", valueName: "layers"))
  var csr: String?

  @Option(help: "full keeps the display titles; none drops them (ids only).")
  var titles: ExportOptions.Titles = .full

  @Option(help: "Under mixed: the share of the catalog, most popular first, whose rows stay int8.")
  var mixedShare: Double = ExportOptions.defaultMixedShare

  @Option(help: ArgumentHelp("Where to write the result (default: MODEL-ENCODING.rlm beside MODEL).", valueName: "file"))
  var out: String?

  func validate() throws {
    guard quantize != nil || csr != nil || titles == .none else {
      throw ValidationError("give --quantize int8|int4|mixed, --csr or --titles none: nothing to compress")
    }
    if let csr, csr.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--csr is empty: give none, all or weight names") }
    guard quantize != .float32 else { throw ValidationError("--quantize takes int8, int4 or mixed (float32 is not a compression)") }
    guard mixedShare > 0 && mixedShare < 1 else { throw ValidationError("--mixed-share must be in (0, 1)") }
  }

  func run() throws {
    let input = URL(fileURLWithPath: model)
    let bytes: [UInt8]
    do { bytes = [UInt8](try Data(contentsOf: input)) } catch { throw CommandFailure("\(model): cannot read: \(error.localizedDescription)") }
    let result: FileCompression.Result
    do {
      result = try FileCompression.compress(
        bytes, tables: quantize, titles: titles, mixedShare: mixedShare, csr: csr.map(FileCompression.SparseLayers.init))
    } catch let error as ModelWriterError {
      throw CommandFailure("\(model): \(error.description)")
    }
    let label = [quantize?.rawValue, csr.map { "csr-" + $0.replacingOccurrences(of: ",", with: "-") }, titles == .none ? "notitles" : nil]
      .compactMap { $0 }.joined(separator: "-")
    let output = URL(fileURLWithPath: out ?? input.deletingPathExtension().path + "-" + label + ".rlm")
    let written = try result.builder.serialize(maxBatch: result.maxBatch)
    try AtomicFile.write(Data(written), to: output)
    let opened = try RecLiteRuntime.Model.open(commandLinePath: output.path)
    print("wrote \(output.path): \(bytes.count.grouped) → \(written.count.grouped) bytes (\(String(format: "%.1f", Double(bytes.count) / Double(written.count)))× smaller)")
    for change in result.changes { print("  \(change)") }
    print("  " + FileBytes(opened).summary)
  }
}
