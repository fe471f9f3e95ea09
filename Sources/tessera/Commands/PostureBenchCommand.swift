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
        abstract: "Generate a synthetic estate (--generate) or time posture evaluations over one (offline, from a data folder).",
        discussion: """
            Without --generate: a cold evaluation (the persisted digest is deleted first), then --append new audit records \
            are written and an incremental evaluation folds only those, then one more evaluation with nothing new (the \
            engine keeps the digest, the inventory and each identity's findings in memory), then one by a new engine \
            that must find the same.
            """)
    @Option(name: .customLong("data-dir"), help: "Data folder for the synthetic estate.") var dataDir: String
    @Flag(help: "Generate the estate instead of evaluating it.") var generate = false
    @Option(help: "Identities to generate.") var identities: Int = 100_000
    @Option(help: "token.issued records to generate.") var records: Int = 1_000_000
    @Option(help: "Records appended before the incremental evaluation (0: skip it).") var append: Int = 100_000

    static let now = Date(timeIntervalSince1970: 1_900_000_000)

    func run() async throws {
        let database = try SQLiteStorage(directory: dataDir)
        let started = Date()
        if generate {
            try await SyntheticEstate.generate(
                database: database, identities: identities, records: records, now: Self.now, progress: { Output.note($0) })
            print(
                String(
                    format: "generated %d identities, %d records in %.1f s", identities, records,
                    Date().timeIntervalSince(started)))
            return
        }
        let digestPath = PostureEngine.defaultDigestPath(databaseFile: database.path)
        try? FileManager.default.removeItem(atPath: digestPath)
        let engine = PostureEngine(database: database, clock: ManualTimeSource(Self.now), digestPath: digestPath)
        let cold = try await Self.timed("cold (full fold)", engine)
        let counts = Dictionary(grouping: cold.findings, by: \.category.rawValue).mapValues(\.count)
        print("  " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        let size = (try? FileManager.default.attributesOfItem(atPath: digestPath)[.size] as? Int) ?? 0
        print(String(format: "  persisted digest: %.0f MB", Double(size) / 1_048_576))
        if append > 0 {
            let count = try await database.identities.count(IdentityFilter())
            try await SyntheticEstate.appendRecords(
                database: database, identities: count, records: append, from: Self.now.addingTimeInterval(-3600), to: Self.now,
                seed: 7)
            _ = try await Self.timed("incremental (+\(append) records)", engine)
        }
        let last = try await Self.timed("incremental (nothing new)", engine)
        // What the engine kept must change nothing: a new engine (the digest file, the inventory read) finds the same.
        let fresh = try await Self.timed(
            "fresh engine (digest file, inventory read)",
            PostureEngine(database: database, clock: ManualTimeSource(Self.now), digestPath: digestPath))
        let same = fresh.findings.map(\.id) == last.findings.map(\.id)
        print("  kept results equal a fresh engine's: \(same ? "yes" : "NO")")
        if !same { throw ExitCode.failure }
    }

    static func timed(_ label: String, _ engine: PostureEngine) async throws -> PostureEngine.Evaluation {
        let started = Date()
        let evaluation = try await engine.run()
        let seconds = Date().timeIntervalSince(started)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(
            String(
                format: "%@: %.1f s, %lld records folded of %lld, %d identities, %d findings, peak RSS so far %.0f MB", label,
                seconds,
                evaluation.recordsFolded, evaluation.recordsTotal, evaluation.identities, evaluation.findings.count,
                Double(usage.ru_maxrss) / 1024))
        print("  " + evaluation.phases.map { String(format: "%@ %.1f s", $0.name, $0.seconds) }.joined(separator: ", "))
        return evaluation
    }
}
