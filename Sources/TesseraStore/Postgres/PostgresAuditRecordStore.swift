import Foundation
import PostgresNIO
import TesseraAudit

/// The audit chain in PostgreSQL, shared by several Tessera servers: appends are serialised in the database
/// (a transaction-scoped advisory lock, then a check that the head is the one the batch was chained after),
/// so the chain stays one verifiable sequence whoever writes. Group commit still applies per server: one transaction
/// per batch, durable at commit (`synchronous_commit = on`).
///
/// A batch is one call of the server-side function `tessera_audit_append_v1` (`PostgresRoutines`), which takes the
/// lock, checks the head and writes the records, their replay keys and leases and the new head in the call's own
/// transaction: one round trip, and the lock is held across none. A server whose head went stale (another server
/// wrote) gets the actual head back and chains the batch again (`append(after:chaining:)`).
/// `PostgresStorage.audit` runs it on the storage's pool; reads are `SQLAuditRecordStore`'s.
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

    /// One call of `tessera_audit_append_v1`: written when the head is `expected`, else nothing and the actual head.
    func append(_ records: [AuditRecord], after expected: AuditHead?) async throws -> AppendResult {
        guard !records.isEmpty else { return .appended }
        return try await withConnection { connection, logger in
            try await Self.call(records, after: expected, on: connection, logger: logger)
        }
    }

    /// A batch is one round trip while this server is the only writer. When another server moved the head, the batch
    /// is chained again inside a transaction: its first call takes the lock and, should the head have moved once more,
    /// the second call (chained after the head the first one reported) cannot miss; the lock is held until the commit.
    /// (Going straight to the transaction while other servers keep writing measured no better: two servers on one
    /// chain are bound by the lock held across a round trip to whichever server chains, per-writer chains aside.)
    func append(
        after expected: AuditHead?, chaining chain: @Sendable (AuditHead?) throws -> [AuditRecord]
    ) async throws -> [AuditRecord] {
        let records = try chain(expected)
        guard !records.isEmpty else { return [] }
        guard case .headMoved(let actual) = try await append(records, after: expected) else { return records }
        // Lent, not captured: the write runs under `PostgresDeadline`, which may abandon it (see there).
        return try await withoutActuallyEscaping(chain) { chain in
            let lent = PostgresLentClosure(chain)
            defer { lent.revoke() }
            return try await withConnection { [call = lent.call] connection, logger in
                try await connection.transaction(logger: logger) {
                    var head = actual
                    for _ in 0..<2 {
                        let records = try call(head)
                        guard
                            case .headMoved(let moved) = try await Self.call(records, after: head, on: connection, logger: logger)
                        else { return records }
                        head = moved
                    }
                    throw AuditError(.appendFailed, "the audit head moved while this server held its lock")
                }
            }
        }
    }

    /// Calls `tessera_audit_append_v1` on `connection` (in its transaction, if one is open).
    private static func call(
        _ records: [AuditRecord], after expected: AuditHead?, on connection: PostgresConnection, logger: Logger
    ) async throws -> AppendResult {
        guard let last = records.last else { return .appended }
        let replays = records.compactMap(\.replayGuard)
        let leases = records.compactMap(\.lease)
        // Arrays cannot carry NULL here: an empty task id (or MAC) stands for none.
        let query: PostgresQuery = """
            SELECT appended, head_seq, head_hash FROM tessera_audit_append_v1(
                \(expected?.seq)::BIGINT, \(expected?.hash)::TEXT, \(records.map(\.seq))::BIGINT[],
                \(records.map(\.prevHash))::TEXT[], \(records.map(\.hash))::TEXT[], \(records.map(\.body))::TEXT[],
                \(records.map { $0.mac ?? "" })::TEXT[], \(replays.map(\.key))::TEXT[],
                \(replays.map(\.expiresAt.timeIntervalSince1970))::DOUBLE PRECISION[], \(leases.map(\.id))::TEXT[],
                \(leases.map(\.kind))::TEXT[], \(leases.map(\.subject))::TEXT[], \(leases.map { $0.taskID ?? "" })::TEXT[],
                \(leases.map(\.issuedAt.timeIntervalSince1970))::DOUBLE PRECISION[],
                \(leases.map(\.expiresAt.timeIntervalSince1970))::DOUBLE PRECISION[], \(last.headMAC)::TEXT)
            """
        let rows = try await connection.rows(query, logger: logger)
        guard let row = rows.first, let (appended, seq, hash) = try? row.decode((Bool, Int64?, String?).self) else {
            throw AuditError(.appendFailed, "PostgreSQL answered the audit append with no outcome")
        }
        if appended { return .appended }
        guard let seq, let hash else { return .headMoved(nil) }
        return .headMoved(AuditHead(seq: seq, hash: hash))
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
}
