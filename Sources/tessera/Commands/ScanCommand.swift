import ArgumentParser
import Foundation
import TesseraPosture

#if canImport(Glibc)
    import Glibc
#endif

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find hard-coded secrets in files and git history (secrets are always redacted in the output).",
        discussion: """
            Exits 1 when secrets are found (0 when clean), so it can gate CI. Add `tessera:allow` (or detect-secrets'
            `pragma: allowlist secret`) to a line to accept it. --register records each finding on the server as a
            tracked static secret (see docs/posture.md).
            """)

    @Argument(help: "File or folder to scan.") var path: String
    @Option(help: "Output format: text, json or sarif.") var format: String = "text"
    @Flag(help: "Same as --format json.") var json = false
    @Flag(inversion: .prefixedNo, help: "Also scan every commit of the git history when PATH is a repository.")
    var history = true
    @Option(help: "Write the report to this file instead of standard output.") var output: String?
    @Flag(help: "Register findings on the server as tracked static secrets.") var register = false
    @Option(help: "Owner recorded for registered secrets.") var owner: String?
    @Option(name: .customLong("rotation-days"), help: "Rotation period recorded for registered secrets.") var rotationDays: Int =
        90
    @Flag(name: .customLong("exit-zero"), help: "Exit 0 even when secrets are found.") var exitZero = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let chosen = json ? "json" : format
        guard ["text", "json", "sarif"].contains(chosen) else {
            throw CommandFailure(message: "--format must be text, json or sarif")
        }
        let progress = ProgressBar.forStandardError()
        let started = Date()
        var report: SecretScanner.Report
        do {
            report = try SecretScanner().scan(root: path) { progress?.update($0) }
        } catch let error as PostureError {
            throw CommandFailure(message: error.reason)
        }
        progress?.finish()
        var findings = report.findings
        if history && GitHistoryScanner.isRepository(path) {
            progress?.message("scanning git history…")
            let current = Set(findings.map { $0.fingerprint + "\u{0}" + $0.path })
            let past = try GitHistoryScanner().scan(root: path)
            findings += past.filter { !current.contains($0.fingerprint + "\u{0}" + $0.path) }
            progress?.finish()
        }
        let seconds = max(Date().timeIntervalSince(started), 0.000_001)
        let rendered: String
        switch chosen {
        case "sarif":
            rendered = String(
                decoding: try SARIFReport.render(findings, version: TesseraCommand.configuration.version), as: UTF8.self)
        case "json":
            report = SecretScanner.Report(
                findings: findings, filesScanned: report.filesScanned, bytesScanned: report.bytesScanned,
                filesSkipped: report.filesSkipped)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            rendered = String(decoding: try encoder.encode(report), as: UTF8.self)
        default:
            rendered = Self.text(findings, report: report, seconds: seconds)
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data((rendered + "\n").utf8)) else {
                throw CommandFailure(message: "cannot write \(output)")
            }
        } else {
            print(rendered)
        }
        if register && !findings.isEmpty {
            let count = try await StaticSecretRegistrar(client: try connection.client(), owner: owner, rotationDays: rotationDays)
                .register(findings, root: path)
            Output.note("registered \(count) static secret(s) on the server")
        }
        if !findings.isEmpty && !exitZero { throw ExitCode(1) }
    }

    static func text(_ findings: [SecretFinding], report: SecretScanner.Report, seconds: Double) -> String {
        let megabytes = Double(report.bytesScanned) / 1_048_576
        let summary = String(
            format: "%d secret(s) in %d file(s) scanned (%.1f MB, %.1f MB/s)", findings.count, report.filesScanned, megabytes,
            megabytes / seconds)
        guard !findings.isEmpty else { return summary }
        let rows = findings.map { [$0.location, $0.ruleID, $0.redacted] }
        return Output.table(["LOCATION", "RULE", "SECRET (REDACTED)"], rows) + "\n" + summary
    }
}

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var lastDraw = Date.distantPast

    static func forStandardError() -> ProgressBar? {
        isatty(2) == 1 ? ProgressBar() : nil
    }

    func update(_ progress: SecretScanner.Progress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || progress.filesDone == progress.filesTotal else { return }
        lastDraw = now
        let fraction = progress.bytesTotal == 0 ? 1 : Double(progress.bytesDone) / Double(progress.bytesTotal)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let line = String(
            format: "\r[%@] %3d%%  %d/%d files  %.1f MB", bar, Int(fraction * 100), progress.filesDone, progress.filesTotal,
            Double(progress.bytesDone) / 1_048_576)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func message(_ text: String) {
        FileHandle.standardError.write(Data(("\r" + text).utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
