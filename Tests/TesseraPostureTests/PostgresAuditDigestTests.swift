import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraPosture

/// Posture's audit reads on PostgreSQL storage: the same records give the same digest as on SQLite, folded in
/// one stream or split across connections, and an evidence scan finds the same records.
@Suite(.serialized, .needsPostgres) struct PostgresAuditDigestTests {
    @Test func theDigestFoldedFromPostgreSQLEqualsTheOneFromSQLite() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let schema = try await PostureTestSchema.create()
        let storage = try await PostgresStorage.connect(schema.endpoint)
        do {
            // The same chain, record for record (seq, hashes, bodies).
            var after: Int64 = 0
            while true {
                let batch = try await fixture.database.audit.records(after: after, limit: 2000)
                guard let last = batch.last else { break }
                try await storage.audit.append(batch)
                after = last.seq
            }
            let now = fixture.clock.now()
            let sqlite = try await AuditDigest.update(reader: fixture.database.postureAudit, cachePath: nil, now: now, workers: 1)
            #expect(storage.postureAudit.blocks == false)
            #expect(try await storage.postureAudit.lastSeq() == after)
            let single = try await AuditDigest.update(reader: storage.postureAudit, cachePath: nil, now: now, workers: 1)
            let split = try await AuditDigest.update(
                reader: storage.postureAudit, cachePath: nil, now: now, workers: 3, minimumPart: 1)
            #expect(sqlite.folded > 1000)
            #expect(single.folded == sqlite.folded)
            #expect(single.state.records == sqlite.state.records)
            #expect(single.state.lastHash == sqlite.state.lastHash && !single.state.lastHash.isEmpty)
            #expect(AuditDigestTests.summary(single.state) == AuditDigestTests.summary(sqlite.state))
            #expect(AuditDigestTests.summary(split.state) == AuditDigestTests.summary(sqlite.state))

            // Persisted and continued: nothing new to fold; a digest of another log is ignored.
            let path = fixture.directory + "/pg-digest"
            await AuditDigest.save(single.state, to: path)
            let again = try await AuditDigest.update(reader: storage.postureAudit, cachePath: path, now: now)
            #expect(again.incremental && again.folded == 0)
            try await storage.unsafeExecute("UPDATE audit_records SET hash = 'x' WHERE seq = \(after)")
            let replaced = try await AuditDigest.update(reader: storage.postureAudit, cachePath: path, now: now)
            #expect(!replaced.incremental && replaced.folded == after)
        } catch {
            await storage.close()
            try? await schema.drop()
            throw error
        }
        await storage.close()
        try await schema.drop()
    }

    @Test func theDigestFileIsNamedPerEndpointAndSchema() throws {
        let a = PostgresEndpoint(host: "db", port: 5432, username: "t", password: nil, database: "tessera", schema: "a")
        let b = PostgresEndpoint(host: "db", port: 5432, username: "t", password: nil, database: "tessera", schema: "b")
        let pathA = PostureEngine.digestPath(dataDirectory: "/var/lib/tessera", endpoint: a)
        #expect(pathA.hasPrefix("/var/lib/tessera/posture-digest.postgres."))
        #expect(pathA != PostureEngine.digestPath(dataDirectory: "/var/lib/tessera", endpoint: b))
        #expect(pathA == PostureEngine.digestPath(dataDirectory: "/var/lib/tessera", endpoint: a))
    }
}
