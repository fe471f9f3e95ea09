import Foundation
import Testing
@testable import TesseraPolicy

/// Runs Cedar's integration tests (handwritten `tests/` and the generated corpus) through `ConformanceRunner`.
@Suite struct ConformanceRunnerTests {
    /// The conformance folder: `$CEDAR_CONFORMANCE_DIR`, else `<repo>/../shared/conformance/cedar`.
    static var conformanceDir: String? {
        if let env = ProcessInfo.processInfo.environment["CEDAR_CONFORMANCE_DIR"] { return env }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TesseraPolicyTests/<file> -> repo root
        let candidate = url.deletingLastPathComponent().appendingPathComponent("shared/conformance/cedar").path
        if FileManager.default.fileExists(atPath: candidate) { return candidate }
        if FileManager.default.fileExists(atPath: "/work/shared/conformance/cedar") { return "/work/shared/conformance/cedar" }
        return nil
    }

    /// Unpacks `corpus-tests.tar.gz` into a fresh temp folder next to links to `tests/` and `sample-data/`.
    static func unpackedRoot(_ dir: String) throws -> String {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("cedar-conformance-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        for name in ["tests", "sample-data"] {
            try FileManager.default.createSymbolicLink(atPath: tmp + "/" + name, withDestinationPath: dir + "/" + name)
        }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["xzf", dir + "/corpus-tests.tar.gz", "-C", tmp]
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw CedarError(.io, "tar failed with status \(tar.terminationStatus)") }
        return tmp
    }

    @Test func handwrittenTestsPass() throws {
        guard let dir = Self.conformanceDir else {
            Issue.record("conformance data not found; set CEDAR_CONFORMANCE_DIR")
            return
        }
        let runner = ConformanceRunner(root: dir)
        let report = runner.run(files: runner.discover().filter { $0.hasPrefix("tests/") })
        print(report.summary)
        for c in report.checks where !c.passed { print("FAIL \(c.file) [\(c.name)]: \(c.failure!)") }
        #expect(report.checks.count > 50)
        #expect(report.failed == 0)
    }

    @Test func corpusTestsPass() throws {
        guard let dir = Self.conformanceDir else {
            Issue.record("conformance data not found; set CEDAR_CONFORMANCE_DIR")
            return
        }
        let root = try Self.unpackedRoot(dir)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runner = ConformanceRunner(root: root)
        let report = runner.run(files: runner.discover().filter { $0.hasPrefix("corpus-tests/") })
        print(report.summary)
        var shown = 0
        for c in report.checks where !c.passed && shown < 40 {
            print("FAIL \(c.file) [\(c.name)]: \(c.failure!)")
            shown += 1
        }
        #expect(report.checks.count > 40_000)
        #expect(report.failed == 0)
    }
}
