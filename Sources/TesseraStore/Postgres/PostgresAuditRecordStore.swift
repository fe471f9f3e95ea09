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

    public func recordedHeadMAC() async throws -> String? {
        try await withConnection { connection, logger in
            let rows = try await connection.query("SELECT mac FROM audit_head WHERE id = 1", logger: logger)
            for try await mac in rows.decode(String?.self) { return mac }
            return nil
        }
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
                let written = try await Self.append(
                    records, after: expected, chaining: nil, on: connection, logger: logger)
                if written != nil { return AppendResult.appended }
                return .headMoved(try await Self.head(connection, logger: logger))
            }
        } catch {
            throw AuditError(.appendFailed, "PostgreSQL did not take the audit batch")
        }
    }

    /// One transaction whoever else writes: under the lock, a batch chained after a stale head is chained again
    /// after the actual one.
    public func append(
        after expected: AuditHead?, chaining chain: @Sendable (AuditHead?) throws -> [AuditRecord]
    ) async throws -> [AuditRecord] {
        // Lent, not captured: the write runs under `PostgresDeadline`, which may abandon it (see there).
        try await withoutActuallyEscaping(chain) { chain in
            let lent = PostgresLentClosure(chain)
            defer { lent.revoke() }
            return try await appendChaining(after: expected, lent.call)
        }
    }

    private func appendChaining(
        after expected: AuditHead?, _ chain: @escaping @Sendable (AuditHead?) throws -> [AuditRecord]
    ) async throws -> [AuditRecord] {
        let records = try chain(expected)
        guard !records.isEmpty else { return [] }
        do {
            return try await withConnection { connection, logger in
                try await Self.append(records, after: expected, chaining: chain, on: connection, logger: logger) ?? []
            }
        } catch {
            throw AuditError(.appendFailed, "PostgreSQL did not take the audit batch")
        }
    }

    public func records(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await withConnection { connection, logger in
            let rows = try await connection.query(
                "SELECT seq, prev_hash, hash, body, mac FROM audit_records WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)",
                logger: logger)
            var records: [AuditRecord] = []
            for try await (seq, prev, hash, body, mac) in rows.decode((Int64, String, String, String, String?).self) {
                records.append(AuditRecord(seq: seq, prevHash: prev, hash: hash, body: body, mac: mac))
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
    /// Writes `records` (or, when the head is not `expected`, what `chain` makes after the actual head) in one
    /// transaction; nil when the head moved and there is no `chain`.
    private static func append(
        _ prepared: [AuditRecord], after expected: AuditHead?, chaining chain: (@Sendable (AuditHead?) throws -> [AuditRecord])?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [AuditRecord]? {
        try await connection.query("BEGIN", logger: logger)
        do {
            // The lock, then the head in a statement of its own: under READ COMMITTED a statement's snapshot is
            // taken when it starts, so a head read in the statement that waited for the lock could be stale. All
            // inserts go in one statement: the lock is held for five round trips whatever the batch holds.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(lockClass), hashtext(current_schema()))", logger: logger)
            let actual = try await head(connection, logger: logger)
            var records = prepared
            if actual != expected {
                guard let chain else {
                    try await connection.query("ROLLBACK", logger: logger)
                    return nil
                }
                records = try chain(actual)
            }
            guard let last = records.last else {
                try await connection.query("ROLLBACK", logger: logger)
                return []
            }
            let replays = records.compactMap(\.replayGuard)
            let leases = records.compactMap(\.lease)
            // Arrays cannot carry NULL here: an empty task id (or MAC) stands for none.
            try await connection.query(
                """
                WITH written AS (
                    INSERT INTO audit_records (seq, prev_hash, hash, body, mac)
                    SELECT seq, prev, hash, body, NULLIF(mac, '') FROM unnest(\(records.map(\.seq))::BIGINT[],
                        \(records.map(\.prevHash))::TEXT[], \(records.map(\.hash))::TEXT[], \(records.map(\.body))::TEXT[],
                        \(records.map { $0.mac ?? "" })::TEXT[]) AS r(seq, prev, hash, body, mac)),
                replay AS (
                    INSERT INTO replay_keys (key, expires_at)
                    SELECT * FROM unnest(\(replays.map(\.key))::TEXT[],
                        \(replays.map(\.expiresAt.timeIntervalSince1970))::DOUBLE PRECISION[])
                    ON CONFLICT DO NOTHING),
                leased AS (
                    INSERT INTO leases (id, kind, subject, task_id, issued_at, expires_at)
                    SELECT id, kind, subject, NULLIF(task, ''), issued, expires FROM unnest(
                        \(leases.map(\.id))::TEXT[], \(leases.map(\.kind))::TEXT[], \(leases.map(\.subject))::TEXT[],
                        \(leases.map { $0.taskID ?? "" })::TEXT[],
                        \(leases.map(\.issuedAt.timeIntervalSince1970))::DOUBLE PRECISION[],
                        \(leases.map(\.expiresAt.timeIntervalSince1970))::DOUBLE PRECISION[])
                        AS l(id, kind, subject, task, issued, expires))
                INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, \(last.seq), \(last.hash), \(last.headMAC))
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac
                """, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            return records
        } catch {
            await connection.rollbackOrClose(logger: logger)
            throw error
        }
    }

    private func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        switch source {
        case .pool(let database):
            do {
                return try await database.withConnection { connection in try await body(connection, logger) }
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
