import Foundation
import Logging
import PostgresNIO
import TesseraAudit
import TesseraCore

/// The audit chain in PostgreSQL, shared by several Tessera servers: appends are serialised in the database
/// (a transaction-scoped advisory lock, then a check that the head is the one the batch was chained after),
/// so the chain stays one verifiable sequence whoever writes. A writer whose head is stale gets the actual
/// head back and re-chains its batch (see `AuditLog`). Group commit still applies per server: one
/// transaction per batch, durable at `COMMIT` (`synchronous_commit = on`).
///
/// `PostgresStorage.audit` runs it on the storage's pool (a connection per batch); the public initialisers
/// give it one connection of its own (tools and tests), closed by `close()`.
public actor PostgresAuditRecordStore: AuditRecordStore {
    /// The advisory-lock class serialising audit appends ("tsau" in ASCII); the second key is the schema's hash,
    /// so the chains of several Tessera schemas in one database do not wait for each other.
    static let lockClass: Int32 = 0x7473_6175

    private enum Source {
        case pool(PostgresDatabase)
        case own(PostgresEndpoint)
    }

    private let source: Source
    private let logger: Logger
    private var connection: PostgresConnection?
    private var nextID = 1

    public init(host: String, port: Int, username: String, password: String?, database: String, logger: Logger) {
        self.init(
            endpoint: PostgresEndpoint(host: host, port: port, username: username, password: password, database: database),
            logger: logger)
    }

    /// A store on its own connection to `endpoint`.
    public init(endpoint: PostgresEndpoint, logger: Logger) {
        source = .own(endpoint)
        self.logger = logger
    }

    /// A store on the shared pool of `PostgresStorage`.
    init(database: PostgresDatabase) {
        source = .pool(database)
        logger = database.logger
    }

    /// Applies the schema migrations (`PostgresMigrator`; the audit tables are part of `001_foundation`).
    public func migrate() async throws {
        do {
            try await withConnection { connection, logger in _ = try await PostgresMigrator.migrate(connection, logger: logger) }
        } catch let error as PSQLError {
            throw AuditError(
                .appendFailed, "PostgreSQL refused the schema (SQLSTATE \(error.serverInfo?[.sqlState] ?? "none"))")
        }
    }

    public func recordedHead() async throws -> AuditHead? {
        try await withConnection { connection, logger in try await Self.head(connection, logger: logger) }
    }

    public func append(_ records: [AuditRecord]) async throws {
        guard let first = records.first else { return }
        let expected = first.seq == 1 ? nil : AuditHead(seq: first.seq - 1, hash: first.prevHash)
        guard case .appended = try await append(records, after: expected) else {
            throw AuditError(.appendFailed, "the audit head moved: another writer appended first")
        }
    }

    public func append(_ records: [AuditRecord], after expected: AuditHead?) async throws -> AppendResult {
        guard !records.isEmpty else { return .appended }
        do {
            return try await withConnection { connection, logger in
                try await Self.append(records, after: expected, on: connection, logger: logger)
            }
        } catch {
            throw AuditError(.appendFailed, "PostgreSQL did not take the audit batch")
        }
    }

    public func records(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await withConnection { connection, logger in
            let rows = try await connection.query(
                "SELECT seq, prev_hash, hash, body FROM audit_records WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)",
                logger: logger)
            var records: [AuditRecord] = []
            for try await (seq, prev, hash, body) in rows.decode((Int64, String, String, String).self) {
                records.append(AuditRecord(seq: seq, prevHash: prev, hash: hash, body: body))
            }
            return records
        }
    }

    /// Closes the store's own connection (it reopens on the next call); nothing to do on the shared pool.
    public func close() async {
        try? await connection?.close()
        connection = nil
    }

    /// One transaction: lock, check the head, insert records, replay keys and leases, move the head.
    private static func append(
        _ records: [AuditRecord], after expected: AuditHead?, on connection: PostgresConnection, logger: Logger
    ) async throws -> AppendResult {
        guard let last = records.last else { return .appended }
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(lockClass), hashtext(current_schema()))", logger: logger)
            let actual = try await head(connection, logger: logger)
            guard actual == expected else {
                try await connection.query("ROLLBACK", logger: logger)
                return .headMoved(actual)
            }
            let seqs = records.map(\.seq)
            let prevs = records.map(\.prevHash)
            let hashes = records.map(\.hash)
            let bodies = records.map(\.body)
            try await connection.query(
                """
                INSERT INTO audit_records (seq, prev_hash, hash, body)
                SELECT * FROM unnest(\(seqs)::BIGINT[], \(prevs)::TEXT[], \(hashes)::TEXT[], \(bodies)::TEXT[])
                """, logger: logger)
            for record in records {
                if let replay = record.replayGuard {
                    let expires = replay.expiresAt.timeIntervalSince1970
                    try await connection.query(
                        "INSERT INTO replay_keys (key, expires_at) VALUES (\(replay.key), \(expires)) ON CONFLICT DO NOTHING",
                        logger: logger)
                }
                if let lease = record.lease {
                    let issued = lease.issuedAt.timeIntervalSince1970
                    let expires = lease.expiresAt.timeIntervalSince1970
                    try await connection.query(
                        """
                        INSERT INTO leases (id, kind, subject, task_id, issued_at, expires_at)
                        VALUES (\(lease.id), \(lease.kind), \(lease.subject), \(lease.taskID), \(issued), \(expires))
                        """, logger: logger)
                }
            }
            try await connection.query(
                """
                INSERT INTO audit_head (id, seq, hash) VALUES (1, \(last.seq), \(last.hash))
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                """, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            return .appended
        } catch {
            await connection.rollbackOrClose(logger: logger)
            throw error
        }
    }

    /// Runs `body` on a pooled connection, or on the store's own (replaced after an error).
    private func withConnection<Result: Sendable>(
        _ body: (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        switch source {
        case .pool(let database):
            do {
                return try await database.client.withConnection { connection in try await body(connection, logger) }
            } catch let error as PSQLError where error.serverInfo != nil {
                throw error
            } catch let error as AuditError {
                throw error
            } catch {
                // Connection failures and a closed pool, without the driver's internals.
                throw AuditError(.appendFailed, "cannot reach PostgreSQL at \(database.endpoint)")
            }
        case .own(let endpoint):
            let connection = try await open(endpoint)
            do {
                return try await body(connection, logger)
            } catch {
                // A broken connection is replaced on the next call.
                self.connection = nil
                try? await connection.close()
                throw error
            }
        }
    }

    private func open(_ endpoint: PostgresEndpoint) async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        do {
            let made = try await PostgresConnection.connect(
                configuration: try endpoint.connectionConfiguration(), id: nextID, logger: logger)
            nextID += 1
            connection = made
            return made
        } catch {
            throw AuditError(.appendFailed, "cannot connect to PostgreSQL at \(endpoint)")
        }
    }

    private static func head(_ connection: PostgresConnection, logger: Logger) async throws -> AuditHead? {
        let rows = try await connection.query("SELECT seq, hash FROM audit_head WHERE id = 1", logger: logger)
        for try await (seq, hash) in rows.decode((Int64, String).self) { return AuditHead(seq: seq, hash: hash) }
        return nil
    }
}
