// `reclite sample-model OUT`: a small synthetic model for trying the runtime.

import ArgumentParser
import Foundation
import RecLiteWriter

struct SampleModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sample-model",
    abstract: "Write a small synthetic model (random weights) to try the runtime with.",
    discussion: """
      The model is a two-tower recommender over USERS users and ITEMS items
      with genres, an hour-of-day context feature, titles ("Sample item 7")
      and a popularity fallback. Its weights are random (seeded), so its
      recommendations mean nothing — use it to try the C API before you have
      trained a model with `reclite pipeline`.

      Example:
        reclite sample-model demo.rlm --users 100 --items 500
      """
  )

  @Argument(help: "Where to write the .rlm file.")
  var output: String

  @Option(help: "Number of users (raw ids 1...USERS).")
  var users = 50

  @Option(help: "Number of items (raw ids 1...ITEMS).")
  var items = 200

  @Option(help: "Embedding width.")
  var dimension = 16

  @Option(help: "Seed for the random weights.")
  var seed: UInt64 = 1

  @Option(help: "Item table encoding: float32, float16, int8 or int4 (row-wise), or mixed (the first fifth of the rows int8, the rest int4).")
  var itemEncoding: SampleModel.TableEncoding = .float32

  func validate() throws {
    guard users >= 1, items >= 1 else { throw ValidationError("--users and --items must be at least 1") }
    guard (1...1024).contains(dimension) else { throw ValidationError("--dimension must be within 1...1024") }
  }

  func run() throws {
    let builder = try SampleModel(users: users, items: items, dimension: dimension, seed: seed, itemEncoding: itemEncoding).builder()
    let url = URL(fileURLWithPath: output)
    try builder.write(to: url)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
    print("wrote \(output): \(users) users, \(items) items, dimension \(dimension), \(bytes) bytes")
  }
}

extension SampleModel.TableEncoding: ExpressibleByArgument {}
