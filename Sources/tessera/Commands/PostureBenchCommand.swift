import ArgumentParser
import Foundation
import TesseraCore
import TesseraPosture
import TesseraStore

#if canImport(Glibc)
import Glibc
#endif

struct PostureBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Generate a synthetic estate (--generate) or time a posture evaluation over one (offline, from a data folder).")
    @Option(name: .customLong("data-dir"), help: "Data folder for the synthetic estate.") var dataDir: String
    @Flag(help: "Generate the estate instead of evaluating it.") var generate = false
    @Option(help: "Identities to generate.") var identities: Int = 100_000
    @Option(help: "token.issued records to generate.") var records: Int = 1_000_000

    func run() async throws {
        let database = try TesseraDatabase(directory: dataDir)
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        let started = Date()
        if generate {
            try await SyntheticEstate.generate(
                database: database, identities: identities, records: records, now: now, progress: { Output.note($0) })
            print(String(format: "generated %d identities, %d records in %.1f s", identities, records, Date().timeIntervalSince(started)))
            return
        }
        let engine = PostureEngine(
            identities: database.identities, posture: database.posture, audit: database.audit, clock: ManualTimeSource(now))
        let findings = try await engine.evaluate()
        let seconds = Date().timeIntervalSince(started)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let counts = Dictionary(grouping: findings, by: \.category.rawValue).mapValues(\.count)
        print(String(format: "evaluated in %.1f s, peak RSS %.0f MB, %d findings", seconds, Double(usage.ru_maxrss) / 1024, findings.count))
        print(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}
