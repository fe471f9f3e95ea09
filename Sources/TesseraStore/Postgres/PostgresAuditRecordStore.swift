import Foundation
import PostgresNIO
import TesseraAudit

/// The audit chain in PostgreSQL, shared by several Tessera servers: appends are serialised in the database
/// (a transaction-scoped advisory lock, then a check that the head is the one the batch was chained after),
/// so the chain stays one verifiable sequence whoever writes. A writer whose head is stale gets the actual
/// head back and re-chains its batch (see `AuditLog`). Group commit still applies per server: one
/// transaction per batch, durable at `COMMIT` (`synchronous_commit = on`).
///
/// `PostgresStorage.audit` runs it on the storage's pool (a connection per batch); reads are
/// `SQLAuditRecordStore`'s.
struct PostgresAuditRecordStore: SQLAuditRecordStore {
    /// The advisory-lock class serialising audit appends ("tsau" in ASCII); the second key is the schema's hash,
    /// so the chains of several Tessera schemas in one database do not wait for each other.
    static let lockClass: Int32 = 0x7473_6175

    let database: PostgresDatabase

    /// A read of the chain; a database that cannot answer is an `AuditError`, as for appends.
    func read(_ statement: SQL) async throws -> [any SQLRow] {
        do {
            return try await PostgresExecutor(database: database).rows(statement)
        } catch let error as StoreError where error.code == .unavailable {
            throw AuditError(.appendFailed, error.reason)
        }
    }

    func append(_ records: [AuditRecord]) async throws {
        guard let first = records.first else { return }
        let expected = first.seq == 1 ? nil : AuditHead(seq: first.seq - 1, hash: first.prevHash)
        guard case .appended = try await append(records, after: expected) else {
            throw AuditError(.appendFailed, "the audit head moved: another writer appended first")
        }
    }

    func append(_ records: [AuditRecord], after expected: AuditHead?) async throws -> AppendResult {
        guard !records.isEmpty else { return .appended }
        return try await withConnection { connection, logger in
            let written = try await Self.append(records, after: expected, chaining: nil, on: connection, logger: logger)
            if written != nil { return AppendResult.appended }
            return .headMoved(try await Self.head(connection, logger: logger))
        }
    }

    /// One transaction whoever else writes: under the lock, a batch chained after a stale head is chained again
    /// after the actual one.
    func append(
        after expected: AuditHead?, chaining chain: @Sendable (AuditHead?) throws -> [AuditRecord]
    ) async throws -> [AuditRecord] {
        // Lent, not captured: the write runs under `PostgresDeadline`, which may abandon it (see there).
        try await withoutActuallyEscaping(chain) { chain in
            let lent = PostgresLentClosure(chain)
            defer { lent.revoke() }
            let records = try lent.call(expected)
            guard !records.isEmpty else { return [] }
            return try await withConnection { [call = lent.call] connection, logger in
                try await Self.append(records, after: expected, chaining: call, on: connection, logger: logger) ?? []
            }
        }
    }

    /// One transaction: lock, check the head, insert records, replay keys and leases, move the head.
    /// Writes `records` (or, when the head is not `expected`, what `chain` makes after the actual head) in one
    /// transaction; nil when the head moved and there is no `chain`.
    private static func append(
        _ prepared: [AuditRecord], after expected: AuditHead?, chaining chain: (@Sendable (AuditHead?) throws -> [AuditRecord])?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [AuditRecord]? {
        // The lock, then the head in a statement of its own: under READ COMMITTED a statement's snapshot is taken
        // when it starts, so a head read in the statement that waited for the lock could be stale. All inserts go in
        // one statement: the lock is held for five round trips whatever the batch holds. Nothing written: the
        // transaction commits empty.
        try await connection.transaction(locking: lockClass, logger: logger) {
            let actual = try await head(connection, logger: logger)
            var records = prepared
            if actual != expected {
                guard let chain else { return nil }
                records = try chain(actual)
            }
            guard let last = records.last else { return [] }
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
            return records
        }
    }

    /// Runs `body` on a pooled connection (within `PostgresDeadline`'s limits); any failure is `appendFailed`.
    private func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = database.logger
        do {
            return try await database.withConnection { connection in try await body(connection, logger) }
        } catch {
            throw AuditError(.appendFailed, "PostgreSQL did not take the audit batch")
        }
    }

    private static func head(_ connection: PostgresConnection, logger: Logger) async throws -> AuditHead? {
        let rows = try await connection.query("SELECT seq, hash FROM audit_head WHERE id = 1", logger: logger)
        for try await (seq, hash) in rows.decode((Int64, String).self) { return AuditHead(seq: seq, hash: hash) }
        return nil
    }
}
