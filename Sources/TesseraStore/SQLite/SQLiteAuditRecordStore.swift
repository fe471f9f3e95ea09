import Foundation
import GRDB
import TesseraAudit
import TesseraCore

/// The audit chain in SQLite: one writer appends on the calling thread; reads are `SQLAuditRecordStore`'s.
struct SQLiteAuditRecordStore: BlockingAuditRecordStore, SQLAuditRecordStore {
    let pool: DatabasePool

    func read(_ statement: SQL) async throws -> [any SQLRow] { try await SQLiteExecutor(pool: pool).rows(statement) }

    func append(_ records: [AuditRecord]) async throws {
        guard !records.isEmpty else { return }
        try await pool.writeWithoutTransaction { db in try Self.durably(db) { try Self.insert(records, db) } }
    }

    func appendBlocking(
        after expected: AuditHead?, chaining chain: (AuditHead?) throws -> [AuditRecord]
    ) throws -> [AuditRecord] {
        let records = try chain(expected)
        guard !records.isEmpty else { return records }
        try pool.writeWithoutTransaction { db in try Self.durably(db) { try Self.insert(records, db) } }
        return records
    }

    /// Runs `body` in a transaction committed with `synchronous = FULL` (fsync'd), whatever the writer was left at:
    /// an unflushed write (`SQLiteExecutor.executeUnflushed`) lowers it for its own commit only, and the audit record
    /// is what every credential waits for, so its durability does not rest on that write having restored it.
    private static func durably(_ db: Database, _ body: () throws -> Void) throws {
        if try Int.fetchOne(db, sql: "PRAGMA synchronous") != 2 { try db.execute(sql: "PRAGMA synchronous = FULL") }
        try db.inTransaction {
            try body()
            return .commit
        }
    }

    /// Inserts a batch (records, their replay keys, leases and tool-call counts) and moves the head, inside the caller's
    /// transaction.
    private static func insert(_ records: [AuditRecord], _ db: Database) throws {
        guard let last = records.last else { return }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO audit_records (seq, prev_hash, hash, body, mac) VALUES (?, ?, ?, ?, ?)")
        let guardInsert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO replay_keys (key, expires_at) VALUES (?, ?)")
        for record in records {
            try insert.execute(arguments: [record.seq, record.prevHash, record.hash, record.body, record.mac])
            // A text cut at a NUL would be another key or subject: fail the batch rather than store it (the inputs
            // refuse NUL; PostgreSQL refuses it in its own append), as the shared executor does for every statement.
            try SQLValue.checkStorable(
                [
                    record.replayGuard?.key, record.lease?.id, record.lease?.kind, record.lease?.subject, record.lease?.taskID,
                    record.callCount?.taskID,
                ].compactMap { $0.map(SQLValue.text) })
            if let replay = record.replayGuard {
                try guardInsert.execute(arguments: [replay.key, replay.expiresAt.timeIntervalSince1970])
            }
            if let lease = record.lease {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO leases (id, kind, subject, task_id, issued_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    lease.id, lease.kind, lease.subject, lease.taskID, lease.issuedAt.timeIntervalSince1970,
                    lease.expiresAt.timeIntervalSince1970,
                ])
            }
        }
        for count in records.compactMap(\.callCount) {
            try db.cachedStatement(
                sql: """
                    INSERT INTO task_tool_calls (task_id, calls, last_call_at) VALUES (?, ?, ?)
                    ON CONFLICT(task_id) DO UPDATE SET calls = max(task_tool_calls.calls, excluded.calls),
                      last_call_at = max(task_tool_calls.last_call_at, excluded.last_call_at)
                    """
            ).execute(arguments: [count.taskID, count.calls, count.at.timeIntervalSince1970])
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac
                """
        ).execute(arguments: [last.seq, last.hash, last.headMAC])
    }
}
