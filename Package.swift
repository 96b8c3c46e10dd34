// swift-tools-version: 6.1
//
// RecLite: distill a large recommender into a tiny one and run it anywhere.
//
// Module map (one job each; the runtime never depends on the toolkit):
//   CRecLite          include/reclite.h — the public C API (system library module)
//   CRecLiteFormat    C++ shim over the flatc-generated reader: verify + read as plain C
//   RecLiteRuntime    Embedded-clean Swift: model loading, checks, memory plan, kernels, sessions
//   RecLiteC          @c @implementation of every function in include/reclite.h
//   RecLiteWriter     host-only: builds .rlm files (FlatBuffers encoder + model builder)
//   RecLiteTrain      host-only: data, layers with gradients, training, distillation, metrics
//   RecLiteToolkit    host-only: export to .rlm, evaluation through the runtime, the pipeline
//   reclite           the command-line tool
import Foundation
import PackageDescription

/// Flags the format shim needs so it carries no libstdc++ run-time dependency.
let shimFlags: [CXXSetting] = [.unsafeFlags(["-fno-exceptions", "-fno-rtti", "-Wno-deprecated-declarations"])]

/// The runtime compiled here (for the toolkit, the CLI and the tests) uses the CPU class the
/// Makefile builds libreclite for (its LIB_CPU rule: AVX2 and FMA on the build machine →
/// haswell with fused multiply-adds), so both compute the same bits. RECLITE_CPU=generic
/// overrides it, as LIB_CPU=generic does for the library.
let hostHasAVX2FMA: Bool = {
  guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
  else { return false }
  let words = Set(flags.split(separator: " "))
  return words.contains("avx2") && words.contains("fma")
}()
let runtimeCPU: [SwiftSetting] =
  ProcessInfo.processInfo.environment["RECLITE_CPU"] != "generic" && hostHasAVX2FMA
  ? [.unsafeFlags(["-target-cpu", "haswell"]), .define("RECLITE_FMA")] : []

let package = Package(
  name: "RecLite",
  products: [
    .executable(name: "reclite", targets: ["reclite"]),
    .library(name: "RecLiteRuntime", targets: ["RecLiteRuntime"]),
    .library(name: "RecLiteWriter", targets: ["RecLiteWriter"]),
    .library(name: "RecLiteTrain", targets: ["RecLiteTrain"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .systemLibrary(name: "CRecLite", path: "include"),
    .target(
      name: "CRecLiteFormat",
      exclude: ["generated"],
      cxxSettings: shimFlags + [.headerSearchPath(".")]
    ),
    .target(name: "RecLiteRuntime", dependencies: ["CRecLiteFormat"], swiftSettings: runtimeCPU),
    .target(name: "RecLiteC", dependencies: ["RecLiteRuntime", "CRecLite"], exclude: ["exports.map"]),
    .target(name: "RecLiteWriter", dependencies: ["RecLiteRuntime", "CRecLiteFormat"]),
    .target(name: "RecLiteTrain"),
    .target(name: "RecLiteToolkit", dependencies: ["RecLiteTrain", "RecLiteWriter", "RecLiteRuntime"]),
    .executableTarget(
      name: "reclite",
      dependencies: [
        "RecLiteRuntime", "RecLiteWriter", "RecLiteTrain", "RecLiteToolkit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "RecLiteRuntimeTests",
      dependencies: ["RecLiteRuntime", "RecLiteWriter", "RecLiteC", "CRecLite", "CRecLiteFormat"]
    ),
    .testTarget(name: "RecLiteTrainTests", dependencies: ["RecLiteTrain"]),
    .testTarget(name: "RecLiteToolkitTests", dependencies: ["RecLiteToolkit", "RecLiteTrain", "RecLiteRuntime", "RecLiteWriter"]),
    // Runs the built `reclite` binary as a user would.
    .testTarget(name: "RecLiteCLITests", dependencies: ["reclite"]),
  ],
  cxxLanguageStandard: .cxx17
)

// `make swift-asan-test` builds the runtime's tests alone (RECLITE_RUNTIME_TESTS_ONLY set): the
// AddressSanitizer build then skips the toolkit and the CLI. The package dependency stays
// declared (resolved, not built), so Package.resolved is the same for both builds.
if Context.environment["RECLITE_RUNTIME_TESTS_ONLY"] != nil {
  let runtime: Set = ["CRecLite", "CRecLiteFormat", "RecLiteRuntime", "RecLiteC", "RecLiteWriter", "RecLiteRuntimeTests"]
  package.targets.removeAll { !runtime.contains($0.name) }
  package.products = [.library(name: "RecLiteRuntime", targets: ["RecLiteRuntime"])]
}
