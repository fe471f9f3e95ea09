// swift-tools-version:6.1
// Release-built benchmark for the TesseraPolicy engine. `scripts/bench/policy` creates the
// `Sources/TesseraPolicy` symlink (SwiftPM forbids target paths outside the package root).
import PackageDescription

let package = Package(
    name: "policy-bench",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "TesseraPolicy", path: "Sources/TesseraPolicy"),
        .executableTarget(name: "PolicyBench", dependencies: ["TesseraPolicy"], path: "Sources/PolicyBench"),
        .executableTarget(name: "PolicyDiff", dependencies: ["TesseraPolicy"], path: "Sources/PolicyDiff"),
    ]
)
