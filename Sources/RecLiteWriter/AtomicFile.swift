// Writing files so that a failure never destroys what was there: the bytes go
// to a new temporary file in the same directory, are flushed to disk, then
// renamed over the target (rename is atomic within a file system). A failure
// at any step — the directory is not writable, the disk fills up, the file
// size limit is hit — removes the temporary file, leaves the target exactly as
// it was, and names the problem with the system's reason.
//
// Renaming (rather than rewriting in place) also keeps running programs safe:
// a model that is open maps its file, and a mapped file that shrinks faults
// (SIGBUS) on the pages past its new end; the renamed-over file lives on for
// whoever still maps it.

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

public enum AtomicFile {
  public static func write(_ data: Data, to url: URL) throws {
    try writeReplacing(url.path, in: url.deletingLastPathComponent().path, name: url.lastPathComponent, data)
  }
}

private func writeReplacing(_ target: String, in directory: String, name: String, _ data: Data) throws {
  // O_EXCL with a random name: two writers of the same file never share a temporary file.
  let temporary = "\(directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
  let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
  guard descriptor >= 0 else { throw failure(target, "cannot create a file in \(directory)") }
  var isOpen = true
  do {
    try writeAll(data, to: descriptor, target)
    guard fsync(descriptor) == 0 else { throw failure(target, "cannot flush it to disk") }
    isOpen = false
    guard close(descriptor) == 0 else { throw failure(target, "cannot close it") }
    guard rename(temporary, target) == 0 else { throw failure(target, "cannot rename \(temporary) to it") }
  } catch {
    if isOpen { close(descriptor) }
    unlink(temporary)
    throw error
  }
  // Make the rename itself durable; the file is already complete, so a failure here is not one.
  let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
  if directoryDescriptor >= 0 {
    fsync(directoryDescriptor)
    close(directoryDescriptor)
  }
}

/// Writes every byte, continuing after short writes and interrupted calls.
private func writeAll(_ data: Data, to descriptor: Int32, _ target: String) throws {
  try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let written = write(descriptor, base + offset, bytes.count - offset)
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { throw failure(target, "wrote \(offset) of \(bytes.count) bytes") }
      offset += written
    }
  }
}

/// "cannot write PATH: WHAT: REASON (PATH is unchanged)", REASON from errno.
private func failure(_ target: String, _ what: String) -> ModelWriterError {
  let reason = String(cString: strerror(errno))
  let outcome = access(target, F_OK) == 0 ? "\(target) is unchanged" : "nothing was written"
  return ModelWriterError("cannot write \(target): \(what): \(reason) (\(outcome))")
}
