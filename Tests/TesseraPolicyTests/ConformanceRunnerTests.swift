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

    @Test func handwrittenTestsPass() throws {
        guard let dir = Self.conformanceDir else {
            Issue.record("conformance data not found; set CEDAR_CONFORMANCE_DIR")
            return
        }
        let runner = ConformanceRunner(root: dir)
        let report = runner.run(files: runner.discover().filter { $0.hasPrefix("tests/") })
        print(report.summary)
        for c in report.checks where !c.passed { print("FAIL \(c.file) [\(c.name)]: \(c.failure!)") }
        #expect(report.passed == 74)
        #expect(report.validationsPassed == 22)
        #expect(report.allPassed)
    }

    @Test func corpusTestsPass() throws {
        guard let dir = Self.conformanceDir else {
            Issue.record("conformance data not found; set CEDAR_CONFORMANCE_DIR")
            return
        }
        // Unpacks corpus-tests.tar.gz into a temporary mirror of the folder and runs everything there.
        let report = try ConformanceRunner.runFolder(dir)
        print(report.summary)
        for c in report.failures.prefix(40) { print("FAIL \(c.file) [\(c.name)]: \(c.failure!)") }
        let corpus = report.byCategory.first { $0.category == "corpus-tests" }
        #expect((corpus?.requests ?? 0) > 40_000)
        #expect((corpus?.validations ?? 0) > 5_000)
        #expect(report.failed == 0)
        #expect(report.validationsFailed == 0)
        #expect(report.summary.hasSuffix("\n\(report.passed) passed, 0 failed"))
    }

    /// The shipped example sets (`photoapp`, `tessera`) run through the `tessera policy test` path.
    @Test(arguments: ["photoapp/requests.json", "photoapp/requests-json-policies.json", "tessera/tests.json"])
    func exampleTestFilePasses(_ file: String) throws {
        let folder = Fixtures.directory + "/" + file.split(separator: "/")[0]
        let name = String(file.split(separator: "/")[1])
        let report = ConformanceRunner(root: folder, useIDAnnotations: true).run(files: [name])
        for c in report.checks where !c.passed { Issue.record("\(c.name): \(c.failure!)") }
        #expect(report.checks.count > 3)
        #expect(report.allPassed)
        #expect(report.summary.hasSuffix("\(report.passed) passed, 0 failed"))
    }

    @Test func runTestFileResolvesPathsNextToTheFile() {
        let report = ConformanceRunner.runTestFile(atPath: Fixtures.directory + "/tessera/tests.json")
        #expect(report.failures.isEmpty)
        #expect(report.passed == 10 && report.validationsPassed == 1)
        #expect(ConformanceRunner.runTestFile(atPath: Fixtures.directory + "/tessera/missing.json").failed == 1)
    }
}
