// Opening a model for a command, with the runtime's message on failure.

import ArgumentParser
import Foundation
import RecLiteRuntime

/// An error a command prints as one line before exiting with status 1.
struct CommandFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

extension Model {
  /// Opens `path` with the runtime, or fails with its status name and message.
  static func open(commandLinePath path: String) throws -> Model {
    do {
      return try path.withCString { cPath throws(RecLiteError) in try Model.open(path: cPath) }
    } catch let error as RecLiteError {
      throw CommandFailure("\(path): \(error.status.name): \(error.message)")
    }
  }
}
