import Foundation
import Logging
import PostgresNIO
import TesseraCrypto
import TesseraServer
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraAudit

/// Two servers share one schema and one chain (appends under the database lock); a
/// role with write access to the schema rewrites it with SQL; verification with the KEK (and the checkpoints both
/// servers wrote at shutdown) refuses. Runs against the PostgreSQL that scripts/test starts.
@Suite(.serialized, .stopsServers, .needsPostgres) struct PostgresAuditTamperAttackTests {
    struct Cluster {
        let storage: String
        let schema: String
        let endpoint: PostgresEndpoint
        let kek: KeyEncryptionKey
        let checkpoints: [SignedAuditCheckpoint]
        var keyring: AuditKeyring { AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose)) }

        func verify(checkpoints use: Bool = false) async throws -> AuditVerificationReport {
            let store = try await PostgresStorage.connect(try PostgresEndpoint(url: storage), migrate: false)
            let report = try await AuditVerifier(store: store.audit, keyring: keyring, checkpoints: use ? checkpoints : [])
                .verify()
            await store.close()
            return report
        }

        /// The attacker: a raw connection to the schema.
        func attack(_ body: (AuditAttacker) async throws -> Void) async throws {
            let logger = Logger(label: "test.attacker")
            let connection = try await PostgresConnection.connect(
                configuration: .init(
                    host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
                    database: endpoint.database, tls: .disable),
                id: 1, logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(schema)"), logger: logger)
            let storage = self.storage
            let attacker = AuditAttacker(
                execute: { sql in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) },
                read: {
                    let store = try await PostgresStorage.connect(try PostgresEndpoint(url: storage), migrate: false)
                    let records = try await store.audit.records(after: 0, limit: 100_000)
                    await store.close()
                    return records
                })
            do {
                try await body(attacker)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    /// Two servers on a fresh schema, tokens issued on both at once, both stopped cleanly (two checkpoints).
    static func cluster() async throws -> Cluster {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw ServerError(.storage, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
        }
        let parsed = try PostgresEndpoint(url: url)
        let schema = "aud_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let endpoint = PostgresEndpoint(
            host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password, database: "tessera")
        let admin = Cluster(storage: "", schema: "public", endpoint: endpoint, kek: TestServer.freshKEK(), checkpoints: [])
        try await admin.attack { try await $0.execute("CREATE SCHEMA \(schema)") }
        var components = URLComponents(string: url)!
        components.path = "/tessera"
        components.query = "schema=\(schema)"
        let storage = components.string!
        let file = NSTemporaryDirectory() + "tessera-pg-checkpoints-" + UUID().uuidString
        let kek = TestServer.freshKEK()
        let configure: (inout ServerConfiguration) -> Void = {
            $0.storage = storage
            $0.issuer = "https://tessera.test"
            $0.auditCheckpoints.file = file
            $0.auditCheckpoints.interval = 3600
        }
        let nodeA = try await TestServer.start(kek: kek, configure: configure)
        let nodeB = try await TestServer.start(kek: kek, configure: configure)
        do {
            let workload = try await nodeA.registerWorkload("shared")
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    let node = index % 2 == 0 ? nodeA : nodeB
                    group.addTask {
                        let assertion = try workload.assertion(
                            audience: "https://tessera.test/oauth2/token", now: node.clock.now())
                        return try await node.requestToken(workload, assertion: assertion).status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
        } catch {
            await nodeA.stop()
            await nodeB.stop()
            throw error
        }
        await nodeA.stop()
        await nodeB.stop()
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return Cluster(
            storage: storage, schema: schema, endpoint: endpoint, kek: kek, checkpoints: SignedAuditCheckpoint.parseAll(text))
    }

    @Test func twoServersWriteOneKeyedChainThatVerifies() async throws {
        let cluster = try await Self.cluster()
        #expect(cluster.checkpoints.count == 2)
        let report = try await cluster.verify(checkpoints: true)
        #expect(report.isIntact, "\(String(describing: report.firstBreak))")
        #expect(report.keyedRecords == report.recordsChecked)
        #expect(report.checkpointsInLog == 2)
        let store = try await PostgresStorage.connect(try PostgresEndpoint(url: cluster.storage), migrate: false)
        let writers = Set(try await store.audit.records(after: 0, limit: 1000).compactMap { try $0.content().writer })
        await store.close()
        #expect(writers.count == 2)
    }

    @Test func deletingTheTailAndMovingTheHeadIsRefused() async throws {
        let cluster = try await Self.cluster()
        let pinned = try #require(cluster.checkpoints.map(\.checkpoint.seq).min())
        try await cluster.attack { try await $0.deleteTail(after: pinned - 2) }
        let withoutFile = try await cluster.verify()
        #expect(withoutFile.firstBreak?.reason.contains("recorded head") == true, "\(String(describing: withoutFile.firstBreak))")
        let withFile = try await cluster.verify(checkpoints: true)
        #expect(withFile.firstBreak?.seq == pinned - 1, "\(String(describing: withFile.firstBreak))")
    }

    @Test func deletingAMiddleRecordAndRechainingIsRefused() async throws {
        let cluster = try await Self.cluster()
        try await cluster.attack { try await $0.deleteAndRechain(3, stripKeys: true) }
        let report = try await cluster.verify()
        #expect(report.firstBreak?.seq == 3, "\(String(describing: report.firstBreak))")
    }

    @Test func editingARecordAndRecomputingHashesIsRefused() async throws {
        let cluster = try await Self.cluster()
        try await cluster.attack { try await $0.editAndRechain(4, details: ["scope": .string("nothing")]) }
        let report = try await cluster.verify()
        #expect(report.firstBreak?.seq == 4)
        #expect(report.firstBreak?.reason.contains("MAC does not match") == true, "\(String(describing: report.firstBreak))")
    }
}
