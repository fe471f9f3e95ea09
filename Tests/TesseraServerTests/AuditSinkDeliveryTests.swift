import Foundation
import Logging
import PostgresNIO
import TesseraAudit
import TesseraCore
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// The sink worker against real storage and a real file sink: every record once and in order, a failed delivery
/// retried from the same cursor, the lag bound reported, and two servers sharing the storage delivering each record
/// once (SQLite: two pools on one file; PostgreSQL: two pools on one schema).
@Suite struct AuditSinkDeliveryTests {
    enum Engine: String, CaseIterable, Sendable {
        case sqlite, postgresql
        static var tested: [Engine] { PostgresTestCluster.runs ? allCases : [.sqlite] }
    }

    /// Two storages on the same fresh data (two servers), and the clean-up.
    static func storages(_ engine: Engine) async throws -> ([any TesseraStorage], @Sendable () async -> Void) {
        switch engine {
        case .sqlite:
            let folder = NSTemporaryDirectory() + "tessera-sink-" + UUID().uuidString
            return (
                [try SQLiteStorage(directory: folder), try SQLiteStorage(directory: folder)],
                { try? FileManager.default.removeItem(atPath: folder) }
            )
        case .postgresql:
            let url = try #require(ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"])
            let parsed = try PostgresEndpoint(url: url)
            let schema = "sink_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let plain = PostgresEndpoint(
                host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
                database: "tessera", tls: .disable)
            try await admin(plain, "CREATE SCHEMA \(schema)")
            let endpoint = PostgresEndpoint(
                host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
                database: "tessera", schema: schema, maximumConnections: 4)
            let first = try await PostgresStorage.connect(endpoint)
            let second = try await PostgresStorage.connect(endpoint)
            return (
                [first, second],
                {
                    await first.close()
                    await second.close()
                    try? await admin(plain, "DROP SCHEMA \(schema) CASCADE")
                }
            )
        }
    }

    static func admin(_ endpoint: PostgresEndpoint, _ sql: String) async throws {
        let logger = Logger(label: "test.admin")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
                database: endpoint.database, tls: .disable),
            id: 1, logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        try await connection.close()
    }

    static func worker(
        _ storage: any TesseraStorage, audit: AuditLog, sink: String, holder: String, maximumLag: Int = 1_000_000,
        batch: Int = 7
    ) throws -> AuditSinkService {
        let spec = try AuditSinkSpec(parsing: sink)
        var configuration = AuditSinkConfiguration()
        configuration.maximumLag = maximumLag
        configuration.batchSize = batch
        return AuditSinkService(
            spec: spec, transport: try spec.makeTransport(), cursors: storage.auditSinks, store: storage.audit, audit: audit,
            signal: AuditAppendSignal(), metrics: ServerMetrics(), configuration: configuration, holder: holder,
            clock: SystemTimeSource(), logger: Logger(label: "test.sink"))
    }

    static func seqs(_ path: String) throws -> [Int64] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            return Int64(try #require(object?["seq"] as? Int))
        }
    }

    static func append(_ count: Int, to audit: AuditLog, type: String = "test.sink") async throws {
        for index in 0..<count {
            try await audit.append(AuditEvent(type: type, outcome: .success, subject: "r\(index)"))
        }
    }

    @Test(arguments: Engine.tested) func everyRecordOnceInOrderAndAFailedDeliveryIsRetriedFromTheCursor(_ engine: Engine)
        async throws
    {
        let (storages, cleanUp) = try await Self.storages(engine)
        let folder = NSTemporaryDirectory() + "tessera-sink-out-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let audit = try await AuditLog(store: storages[0].audit, clock: SystemTimeSource())
            try await Self.append(20, to: audit)
            // The folder does not exist yet: the delivery fails and the cursor stays.
            let worker = try Self.worker(storages[0], audit: audit, sink: "file://\(folder)/out.jsonl?name=f", holder: "a")
            var progress = AuditSinkService.Progress()
            await #expect(throws: AuditSinkDeliveryError.self) { try await worker.step(&progress) }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            while try await worker.step(&progress) != .idle {}
            #expect(try Self.seqs("\(folder)/out.jsonl") == Array(1...20))
            // A restarted server (a new worker on another pool) continues after the cursor.
            try await Self.append(5, to: audit)
            try await storages[0].auditSinks.release(sink: "f", holder: "a")
            let restarted = try Self.worker(storages[1], audit: audit, sink: "file://\(folder)/out.jsonl?name=f", holder: "b")
            var fresh = AuditSinkService.Progress()
            while try await restarted.step(&fresh) != .idle {}
            #expect(try Self.seqs("\(folder)/out.jsonl") == Array(1...25))
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// Attacker finding: `seq` is not hashed, so a database writer gave a new record a `seq` the sink's cursor had
    /// already passed (a number the sequencer was made to skip); a worker following `seq` alone never delivered it.
    /// The worker notices the gap in the chain and delivers the record late.
    /// A server's storage on a fresh PostgreSQL schema, its (unsealed) audit log, a file-sink worker writing
    /// `out.jsonl` in a fresh folder, and the folder, for `body`; cleans up after.
    static func withPostgresFileSink(
        _ body: (PostgresStorage, AuditLog, AuditSinkService, String) async throws -> Void
    ) async throws {
        let (storages, cleanUp) = try await Self.storages(.postgresql)
        let folder = NSTemporaryDirectory() + "tessera-sink-pg-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let postgres = try #require(storages[0] as? PostgresStorage)
            let audit = try await AuditLog(store: postgres.audit, clock: SystemTimeSource())
            let worker = try Self.worker(postgres, audit: audit, sink: "file://\(folder)/out.jsonl?name=f", holder: "a")
            try await body(postgres, audit, worker, folder)
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// Attacker finding: `seq` is not hashed, so a database writer gave a new record a `seq` the sink's cursor had
    /// already passed (a number the sequencer was made to skip); a worker following `seq` alone never delivered it.
    /// The worker notices the gap in the chain and delivers the record late.
    @Test(.enabled(if: PostgresTestCluster.runs)) func aRecordPlacedBehindTheCursorIsStillDelivered() async throws {
        try await Self.withPostgresFileSink { postgres, audit, worker, folder in
            try await Self.append(3, to: audit)
            // The sequencer was made to leave holes: the records got seq 2, 4, 6.
            try await postgres.unsafeExecute("UPDATE audit_records SET seq = chain_seq * 2")
            var progress = AuditSinkService.Progress()
            while try await worker.step(&progress) != .idle {}
            #expect(try Self.seqs("\(folder)/out.jsonl") == [1, 2, 3])
            // The next record is placed in a hole behind the cursor (6), the one after it where the sequencer puts it.
            try await Self.append(1, to: audit, type: "token.issued")
            try await postgres.unsafeExecute("UPDATE audit_records SET seq = 5 WHERE chain_seq = 4")
            try await Self.append(1, to: audit)
            while try await worker.step(&progress) != .idle {}
            #expect(try Self.seqs("\(folder)/out.jsonl") == [1, 2, 3, 4, 5])
        }
    }

    /// Attacker finding: rows planted with extreme numbers (a chain_seq of Int64.max followed by another row of its
    /// chain, a cursor far below zero) made the worker's arithmetic trap and the server die. It delivers instead.
    @Test(.enabled(if: PostgresTestCluster.runs)) func plantedExtremeNumbersDoNotStopTheWorker() async throws {
        try await Self.withPostgresFileSink { postgres, audit, worker, folder in
            try await Self.append(2, to: audit)
            try await postgres.audit.sequence(wait: true)
            try await postgres.unsafeExecute(
                "INSERT INTO audit_records (chain, chain_seq, seq, prev_hash, hash, body) VALUES "
                    + "('zzz', 9223372036854775807, 100, 'x', 'y', '{}'), ('zzz', 1, 101, 'x', 'z', '{}')")
            var progress = AuditSinkService.Progress()
            while try await worker.step(&progress) != .idle {}
            try await postgres.unsafeExecute("UPDATE audit_sink_cursors SET delivered_seq = -9223372036854775807")
            var fresh = AuditSinkService.Progress()
            _ = try await worker.step(&fresh)
            let lines = try String(contentsOfFile: "\(folder)/out.jsonl", encoding: .utf8).split(separator: "\n")
            #expect(lines.count >= 4, "the two records and the two planted rows were delivered, nothing trapped")
        }
    }

    @Test func aSinkPastTheLagBoundIsRecordedAndSoIsItsReturn() async throws {
        let (storages, cleanUp) = try await Self.storages(.sqlite)
        let folder = NSTemporaryDirectory() + "tessera-sink-lag-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let audit = try await AuditLog(store: storages[0].audit, clock: SystemTimeSource())
        try await Self.append(30, to: audit)
        let worker = try Self.worker(
            storages[0], audit: audit, sink: "file://\(folder)/out.jsonl?types=test.", holder: "a", maximumLag: 10, batch: 4)
        var progress = AuditSinkService.Progress()
        #expect(try await worker.step(&progress) == .delivered)
        #expect(progress.lagging)
        while try await worker.step(&progress) != .idle {}
        #expect(!progress.lagging)
        let types = try await storages[0].audit.records(after: 30, limit: 10).map { try $0.content().type }
        #expect(types == [AuditEventType.sinkLagging, AuditEventType.sinkCaughtUp])
        // The type filter kept the sink's own records out of it; the cursor moved past them anyway.
        #expect(try Self.seqs("\(folder)/out.jsonl") == Array(1...30))
        #expect(try await storages[0].auditSinks.cursors().first?.deliveredSeq == 32)
        await cleanUp()
    }

    @Test(arguments: Engine.tested) func twoServersDeliverEachRecordOnce(_ engine: Engine) async throws {
        let (storages, cleanUp) = try await Self.storages(engine)
        let folder = NSTemporaryDirectory() + "tessera-sink-two-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let audit = try await AuditLog(store: storages[0].audit, clock: SystemTimeSource())
            let total = 200
            let path = "\(folder)/out.jsonl"
            let workers = try storages.enumerated().map { index, storage in
                try Self.worker(storage, audit: audit, sink: "file://\(path)?name=shared", holder: "server-\(index)")
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.append(total, to: audit) }
                for worker in workers {
                    group.addTask {
                        var progress = AuditSinkService.Progress()
                        let deadline = ContinuousClock.now + .seconds(60)
                        while ContinuousClock.now < deadline, try Self.seqs(path).count < total {
                            if try await worker.step(&progress) == .notHolder { try await Task.sleep(for: .milliseconds(5)) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try Self.seqs(path) == (1...Int64(total)).map { $0 })
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }
}
