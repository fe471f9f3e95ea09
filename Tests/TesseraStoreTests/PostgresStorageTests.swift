import Foundation
import Logging
import PostgresNIO
import TesseraAudit
import TesseraTestSupport
import Testing

@testable import TesseraStore

/// What only the PostgreSQL engine has: its migrator, its pool's failure modes.
@Suite(.needsPostgres) struct PostgresStorageTests {
    @Test func serversStartingAtOnceMigrateOnce() async throws {
        let fixture = try await StorageEngine.postgresql.open()
        guard case .schema(let endpoint) = fixture.location else { throw StoreError(.unavailable, "not PostgreSQL") }
        await fixture.tearDown()
        // A fresh, empty schema; four servers start against it at the same time.
        let fresh = try StorageEngine.testEndpoint(schema: endpoint.schema! + "_m")
        try await StorageEngine.admin(fresh) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(fresh.schema!)"), logger: logger)
        }
        let servers = try await withThrowingTaskGroup(of: PostgresStorage.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStorage.connect(fresh) } }
            var servers: [PostgresStorage] = []
            for try await server in group { servers.append(server) }
            return servers
        }
        let applied = try await servers[0].database.rows("SELECT id FROM schema_migrations ORDER BY id").map {
            try PostgresSQLRow($0).string("id")
        }
        #expect(
            applied.sorted() == (Schema.migrations.map(\.id) + PostgresRoutines.migrations.map(\.id)).sorted(),
            "every migration recorded once")
        // Idempotent: connecting again applies nothing and the tables work.
        let again = try await PostgresStorage.connect(fresh)
        try await again.metadata.set("v", for: "k")
        #expect(try await servers[1].metadata.value(for: "k") == "v")
        for server in servers + [again] { await server.close() }
        try await StorageEngine.admin(fresh) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(fresh.schema!) CASCADE"), logger: logger)
        }
    }

    /// The token endpoint's claim skips its own WAL flush for its own transaction only: the pooled connection keeps
    /// `synchronous_commit = on` for everything after it (the audit batch above all).
    @Test func anUnflushedReplayClaimLeavesTheConnectionDurable() async throws {
        let fixture = try await StorageEngine.postgresql.open()
        guard case .schema(let shared) = fixture.location else { throw StoreError(.unavailable, "not PostgreSQL") }
        let endpoint = PostgresEndpoint(
            host: shared.host, port: shared.port, username: shared.username, password: shared.password,
            database: shared.database, schema: shared.schema, maximumConnections: 1)
        let storage = try await PostgresStorage.connect(endpoint, migrate: false)
        do {
            let setting = { try await storage.database.rows("SELECT current_setting('synchronous_commit') AS s") }
            #expect(try PostgresSQLRow(try #require(await setting().first)).string("s") == "on")
            let expiry = Date().addingTimeInterval(60)
            #expect(try await storage.tokenState.claimReplayKeyBeforeAudit("assertion|c|u1", expiresAt: expiry, now: Date()))
            #expect(try PostgresSQLRow(try #require(await setting().first)).string("s") == "on", "one connection: the same one")
            #expect(try await !storage.tokenState.claimReplayKey("assertion|c|u1", expiresAt: expiry, now: Date()))
            #expect(try await storage.tokenState.unexpiredReplayKeys(now: Date()).map(\.key).contains("assertion|c|u1"))
            // The tool-call counter, too.
            #expect(try await storage.toolCatalogues.recordCall(taskID: "t1", now: Date()) == 1)
            try await storage.toolCatalogues.releaseCall(taskID: "t1")
            #expect(try PostgresSQLRow(try #require(await setting().first)).string("s") == "on")
            #expect(try await storage.toolCatalogues.calls(taskID: "t1") == 0)
            await storage.close()
        } catch {
            await storage.close()
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    @Test func anUnreachableServerIsAClearErrorWithoutThePassword() async throws {
        let endpoint = PostgresEndpoint(
            host: "127.0.0.1", port: 1, username: "tessera", password: "s3cret-Pa55", database: "tessera")
        let error = await #expect(throws: StoreError.self) {
            _ = try await PostgresStorage.connect(endpoint, timeout: .seconds(3))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.reason.contains("127.0.0.1:1") == true)
        #expect(error.map { !"\($0)".contains("s3cret-Pa55") } == true)
    }

    @Test func aStorageURLIsParsedAndABadOneRefused() throws {
        let endpoint = try PostgresEndpoint(url: "postgres://tessera:p%40ss@db.internal:6432/prod")
        #expect(endpoint.host == "db.internal" && endpoint.port == 6432 && endpoint.database == "prod")
        #expect(endpoint.password == "p@ss")
        #expect(!endpoint.description.contains("p@ss"))
        #expect(throws: StoreError.self) { try PostgresEndpoint(url: "mysql://u:secret@h/db") }
        let bad = #expect(throws: StoreError.self) { try PostgresEndpoint(url: "postgres://:secret@h/db") }
        #expect(bad.map { !$0.reason.contains("secret") } == true)
    }

    @Test func aSchemaThatIsNotTesserasIsCorrupted() async throws {
        try await withStorage(.postgresql) { fixture in
            let storage = try #require(fixture.primary as? PostgresStorage)
            try await storage.unsafeExecute("DROP TABLE admin_tokens")
            let error = await #expect(throws: StoreError.self) { try await storage.adminTokens.count() }
            #expect(error?.code == .corrupted)
        }
    }
}

/// The pool's lifetime follows its users, and a closed storage fails cleanly.
@Suite(.needsPostgres) struct PostgresPoolLifetimeTests {
    @Test func aRepositoryOutlivesItsStorageObjectAndAClosedOneFailsCleanly() async throws {
        try await withStorage(.postgresql) { fixture in
            guard case .schema(let endpoint) = fixture.location else { return }
            // Only the repository is kept: the pool must keep running for it.
            let metadata = try await PostgresStorage.connect(endpoint).metadata
            try await Task.sleep(for: .milliseconds(100))
            try await metadata.set("v1", for: "k")
            #expect(try await metadata.value(for: "k") == "v1")

            let storage = try await PostgresStorage.connect(endpoint)
            let audit = storage.audit
            await storage.close()
            let error = await #expect(throws: StoreError.self) { try await storage.metadata.value(for: "k") }
            #expect(error?.code == .unavailable)
            await #expect(throws: AuditError.self) { try await audit.records(after: 0, limit: 1) }
        }
    }
}

/// `sslmode` of the storage URL against the test cluster, which offers TLS with a throwaway CA.
@Suite(.needsPostgres) struct PostgresTLSTests {
    private func url(_ query: String) throws -> String {
        guard let base = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw StoreError(.unavailable, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
        }
        var components = URLComponents(string: base)!
        components.path = "/tessera"
        components.percentEncodedQuery = query
        return components.string!
    }

    private func ca() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_CA"] else {
            throw StoreError(
                .unavailable, "TESSERA_TEST_POSTGRES_CA is not set: start the cluster with scripts/postgres-test-server")
        }
        return path
    }

    /// Whether the storage's own connections are encrypted, as the server sees them.
    private func encrypted(_ url: String) async throws -> Bool {
        let storage = try await PostgresStorage.connect(try PostgresEndpoint(url: url), timeout: .seconds(10), migrate: false)
        defer { Task { await storage.close() } }
        let rows = try await storage.database.rows("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        return try rows.first.map { try PostgresSQLRow($0).bool("ssl") } ?? false
    }

    @Test func connectionsAreEncryptedAsConfigured() async throws {
        #expect(try await !encrypted(try url("sslmode=disable")))
        #expect(try await encrypted(try url("sslmode=prefer")))
        #expect(try await encrypted(try url("sslmode=require")))
        #expect(try await encrypted(try url("sslmode=verify-full&sslrootcert=\(try ca())")))
    }

    @Test func verifyFullRefusesAServerItCannotVerify() async throws {
        // The system's roots do not know the throwaway CA: no connection, a clear error, no hang.
        let endpoint = try PostgresEndpoint(url: try url("sslmode=verify-full"))
        let error = await #expect(throws: StoreError.self) {
            _ = try await PostgresStorage.connect(endpoint, timeout: .seconds(3), migrate: false)
        }
        #expect(error?.code == .unavailable)
        #expect(error.map { !"\($0)".contains(endpoint.password ?? "\u{0}") } == true)
    }

    @Test func badTLSSettingsAreRefusedUpFront() throws {
        #expect(throws: StoreError.self) { try PostgresEndpoint(url: try url("sslmode=allow-anything")) }
        #expect(throws: StoreError.self) { try PostgresEndpoint(url: try url("sslmode=require&sslrootcert=\(try ca())")) }
        #expect(throws: StoreError.self) {
            try PostgresEndpoint(url: try url("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"))
        }
        #expect(throws: StoreError.self) { try PostgresEndpoint(url: try url("sslmode=require&sslmode=disable")) }
        #expect(try PostgresEndpoint(url: try url("schema=abc")).tls == .prefer, "libpq's default")
    }
}

/// The console's pages stay cheap at a million rows only if PostgreSQL can read them from an index in page
/// order: with sequential and bitmap scans priced out, every plan is an index scan and none sorts.
@Suite(.needsPostgres) struct PostgresConsolePlanTests {
    private func plan(_ storage: PostgresStorage, _ statement: SQL) async throws -> [String] {
        let logger = storage.database.logger
        let query = try PostgresExecutor.query(statement)
        return try await storage.database.transaction { connection in
            // Empty tables make any plan cheap: price out full and bitmap scans, so what is left shows whether an
            // index can return the page in order.
            try await connection.query("SET LOCAL enable_seqscan = off", logger: logger)
            try await connection.query("SET LOCAL enable_bitmapscan = off", logger: logger)
            return try await connection.rows(PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds), logger: logger)
                .map { try PostgresSQLRow($0).string("QUERY PLAN") }
        }
    }

    @Test func consolePagesAreIndexScansInPageOrder() async throws {
        try await withStorage(.postgresql) { fixture in
            let storage = try #require(fixture.primary as? PostgresStorage)
            let prefix = "spiffe://example.org/payments/"
            let identityQueries: [ConsoleIdentityQuery] = [
                ConsoleIdentityQuery(), ConsoleIdentityQuery(after: "spiffe://example.org/m"),
                ConsoleIdentityQuery(spiffeIDPrefix: prefix), ConsoleIdentityQuery(kind: "ai-agent"),
                ConsoleIdentityQuery(owner: "alice@example.com", after: "spiffe://example.org/m"),
                ConsoleIdentityQuery(environment: "prod"), ConsoleIdentityQuery(status: "suspended"),
                ConsoleIdentityQuery(spiffeIDPrefix: prefix, kind: "service", after: prefix + "b"),
            ]
            for query in identityQueries {
                let lines = try await plan(storage, SQLConsoleReader.identitySQL(query))
                #expect(lines.contains { $0.contains("Index Scan") || $0.contains("Index Only Scan") }, "\(query): \(lines)")
                #expect(!lines.contains { $0.contains("Sort") }, "\(query) sorts: \(lines)")
            }
            let auditQueries: [ConsoleAuditQuery] = [
                ConsoleAuditQuery(), ConsoleAuditQuery(before: 500), ConsoleAuditQuery(subject: "spiffe://example.org/a"),
                ConsoleAuditQuery(task: "task_1", before: 90), ConsoleAuditQuery(typePrefix: "token."),
            ]
            for query in auditQueries {
                let lines = try await plan(storage, SQLConsoleReader.auditSQL(query, head: 1000).0)
                #expect(lines.contains { $0.contains("Index Scan Backward") }, "\(query): \(lines)")
                #expect(!lines.contains { $0.contains("Sort") }, "\(query) sorts: \(lines)")
                if query.subject != nil { #expect(lines.contains { $0.contains("audit_records_subject") }, "\(lines)") }
                if query.task != nil { #expect(lines.contains { $0.contains("audit_records_task") }, "\(lines)") }
            }
        }
    }
}
