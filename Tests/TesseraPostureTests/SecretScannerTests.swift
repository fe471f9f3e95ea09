import Foundation
import Testing

@testable import TesseraPosture

@Suite struct SecretScannerTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus").path

    struct Labels: Decodable {
        struct Secret: Decodable, Hashable {
            let path: String
            let line: Int
            let rule: String
        }
        let secrets: [Secret]
    }

    static func labels() throws -> Labels {
        try JSONDecoder().decode(Labels.self, from: Data(contentsOf: URL(fileURLWithPath: corpus + "/labels.json")))
    }

    /// Target: recall ≥ 0.95 and precision ≥ 0.95 on the planted corpus (line level).
    @Test func recallAndPrecisionOnCorpus() throws {
        let labels = try Self.labels()
        let report = try SecretScanner().scan(root: Self.corpus)
        let expected = Set(labels.secrets.map { "\($0.path):\($0.line)" })
        let found = Set(report.findings.filter { $0.path != "labels.json" }.map { "\($0.path):\($0.line)" })
        let truePositives = expected.intersection(found).count
        let recall = Double(truePositives) / Double(expected.count)
        let precision = found.isEmpty ? 0 : Double(truePositives) / Double(found.count)
        let missed = expected.subtracting(found).sorted()
        let extra = found.subtracting(expected).sorted()
        #expect(recall >= 0.95, "recall \(recall); missed \(missed)")
        #expect(precision >= 0.95, "precision \(precision); false positives \(extra)")
    }

    /// Generic secrets (punctuation included) assigned to secret-like names in Python, JS, YAML,
    /// .env, JSON, INI, properties and Terraform are all found; hashes, UUIDs, integrity strings, placeholders,
    /// lookups and metadata assigned to the same names are not. The corpus is `scripts/bench/gen-generic-secrets`
    /// with seed 20261206 (`scripts/bench/scan-generic` measures a fresh seed on every run, beside detect-secrets).
    @Test func genericSecretsInEveryFormatAreFoundAndLookAlikesAreNot() throws {
        struct Planted: Decodable, Hashable {
            let path: String
            let line: Int
        }
        struct GenericLabels: Decodable { let secrets: [Planted] }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/generic-secrets")
            .path
        let labels = try JSONDecoder().decode(
            GenericLabels.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/labels.json")))
        let report = try SecretScanner().scan(root: root)
        let expected = Set(labels.secrets.map { "\($0.path):\($0.line)" })
        let found = Set(report.findings.filter { $0.path != "labels.json" }.map { "\($0.path):\($0.line)" })
        #expect(expected.count > 300)
        #expect(Set(expected.map { $0.split(separator: "/")[0] }).count == 8, "every format has planted secrets")
        #expect(expected.subtracting(found).isEmpty, "missed: \(expected.subtracting(found).sorted())")
        #expect(found.subtracting(expected).isEmpty, "false positives: \(found.subtracting(expected).sorted())")
        #expect(report.findings.allSatisfy { $0.path == "labels.json" || $0.ruleID == "generic-secret" })
    }

    @Test func outputNeverContainsTheSecret() throws {
        let token = "ghp_" + "Zq8vR2mK9xT4wL7pB3nFa1s2d3f4g5h6j7k8"
        let findings = TextScanner().scan("GITHUB_TOKEN=\(token)\n", path: "x.env")
        let finding = try #require(findings.first)
        #expect(finding.ruleID == "github-token")
        #expect(!finding.redacted.contains(token.dropFirst(10)))
        let sarif = String(decoding: try SARIFReport.render(findings, version: "test"), as: UTF8.self)
        #expect(!sarif.contains(token.dropFirst(10)))
        #expect(sarif.contains("\"version\" : \"2.1.0\""))
    }

    @Test func allowListedLinesAreSkipped() {
        let line = "api_key = \"Zq8vR2mK9xT4wL7pB3nFa1s2d3f4g5h6\" # tessera:allow\n"
        #expect(TextScanner().scan(line, path: "a.py").isEmpty)
    }

    @Test func gitHistoryFindsDeletedSecrets() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-scan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func git(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", folder, "-c", "user.email=t@corp.invalid", "-c", "user.name=t"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        try git("init", "-q")
        let key = "AKIA" + "Q7WZ3KX5V2N6B4M7"
        try "retries = 3\naws_access_key_id = \(key)\n".write(toFile: folder + "/app.cfg", atomically: true, encoding: .utf8)
        try git("add", "app.cfg")
        try git("commit", "-q", "-m", "add")
        try "retries = 3\n".write(toFile: folder + "/app.cfg", atomically: true, encoding: .utf8)
        try git("commit", "-q", "-am", "remove")
        #expect(try SecretScanner().scan(root: folder).findings.isEmpty)
        let history = try GitHistoryScanner().scan(root: folder)
        #expect(history.count == 1)
        #expect(history.first?.path == "app.cfg")
        #expect(history.first?.line == 2)
        #expect(history.first?.commit?.count == 40)
    }
}
