import ArgumentParser
import Foundation
import TesseraAudit
import TesseraCore
import TesseraServer

struct PolicyReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-decide recorded decisions from the audit log under a new policy folder and list what would change.",
        discussion: """
            Reads the audit log (--data-dir or --storage), checks each record's hash and link (and MAC when the KEK is \
            found, as `tessera audit verify` does), and re-decides every decision record that stores its input \
            (`decision_input`) under the policy folder. Decisions recorded without an input are counted, never guessed. \
            Exit status: 0 nothing changes, 2 decisions change (for CI of policy repositories), 1 error (a broken \
            policy folder, a record failing the integrity check, an unreadable input). See docs/policy.md, "Replay".
            """)

    @Option(name: .customLong("policy-dir"), help: "The new policy folder.") var policyDir: String
    @Option(help: "How far back: a duration (7d, 24h, 90m) or an RFC 3339 time.") var since: String = "7d"
    @Option(name: .customLong("data-dir"), help: "The server's data folder.") var dataDir: String = ".tessera"
    @Option(
        help: "The server's PostgreSQL storage URL instead of the data folder (env TESSERA_STORAGE, TESSERA_STORAGE_PASSWORD).")
    var storage: String?
    @Option(name: .customLong("kek-file"), help: "The server's key-encryption key file (env TESSERA_KEK_FILE or TESSERA_KEK).")
    var kekFile: String?
    @Option(help: "Most changed decisions listed (totals always count all).") var limit: Int = 10_000
    @Option(help: "Parallel workers.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let start = try Self.start(since, now: Date())
        let policies: ActivePolicies
        do {
            policies = try ActivePolicies.load(directory: policyDir)
        } catch {
            throw CommandFailure(message: "policy folder refused: \(error.description)")
        }
        let keyring = try AuditVerifyInputs.keyring(kekFile: kekFile, dataDir: dataDir)
        let store = try await AuditStoreOpener.open(dataDir: dataDir, storage: storage).audit
        let began = ContinuousClock.now
        let report = try await PolicyReplay(
            replayer: DecisionReplayer(policies: policies, since: start), keyring: keyring, workers: workers,
            listLimit: max(0, limit)
        ).run(store)
        let elapsed = ContinuousClock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let printer = ReplayPrinter(report: report, version: policies.version, since: start, seconds: seconds)
        print(output.json ? try printer.json() : printer.text())
        if !report.integrityFailures.isEmpty || !report.unreadable.isEmpty { throw ExitCode(1) }
        if report.changed > 0 { throw ExitCode(2) }
    }

    /// `7d`, `24h`, `90m`, `30s` before `now`, or an RFC 3339 time.
    static func start(_ text: String, now: Date) throws -> Date {
        let units: [Character: Double] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if let unit = text.last, let factor = units[unit], let count = Double(text.dropLast()), count >= 0 {
            return now.addingTimeInterval(-count * factor)
        }
        if let date = ISO8601.parse(text) { return date }
        throw CommandFailure(message: "--since must be a duration (7d, 24h, 90m, 30s) or an RFC 3339 time, not \(text)")
    }
}
