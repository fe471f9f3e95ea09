import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO

/// Raw, read-only access to the audit table for posture's digest: record bodies are handed out as bytes
/// borrowed from SQLite (no `Row`, no `String`), so folding ten million records allocates almost nothing.
/// On PostgreSQL the bodies are streamed in `seq` order (one connection per range) and handed out as the bytes
/// of each row's buffer, to the same parser.
public struct PostureAuditReader: Sendable {
    let backend: PostureBackend

    /// Whether `scan` blocks the calling thread (SQLite: run it on a thread of its own); otherwise use
    /// `stream` (PostgreSQL).
    public var blocks: Bool { backend.blocks }

    /// The highest sequence number in the audit table (0 when empty), after PostgreSQL's durable records were
    /// sequenced (`PostgresAuditRecordStore.sequence`).
    public func lastSeq() async throws -> Int64 {
        if case .postgres(let database) = backend {
            try await PostgresAuditRecordStore(database: database, chain: "", waits: AuditChainWaits()).sequence(wait: true)
        }
        return try await backend.sql.row("SELECT MAX(seq) AS seq FROM audit_records")?.optionalInt64("seq") ?? 0
    }

    /// The stored hash of record `seq`, if it exists.
    public func hash(seq: Int64) async throws -> String? {
        try await backend.sql.row("SELECT hash FROM audit_records WHERE seq = \(seq)")?.string("hash")
    }

    /// Calls `body` with each record's sequence number and canonical JSON body for `after < seq <= through`, in
    /// order, on any storage: SQLite's scan on a thread of its own, PostgreSQL's stream on the caller's task.
    /// The bytes are valid only during the call.
    public func stream(after: Int64, through: Int64, _ body: (Int64, UnsafeRawBufferPointer) throws -> Void) async throws {
        let query: PostgresQuery = "SELECT seq, body FROM audit_records WHERE seq > \(after) AND seq <= \(through) ORDER BY seq"
        try await backend.stream("audit", query) { rows in
            for try await (seq, bytes) in rows.decode((Int64, ByteBuffer).self) {
                try bytes.withUnsafeReadableBytes { try body(seq, $0) }
            }
        }
    }

    /// Calls `body` with each record's sequence number and canonical JSON body for `after < seq <= through`, in
    /// order. The bytes are valid only during the call. Blocks the calling thread (run it off the cooperative pool).
    /// SQLite only (`blocks`); PostgreSQL reads with `stream`.
    public func scan(after: Int64, through: Int64, _ body: (Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        let sql = "SELECT seq, body FROM audit_records WHERE seq > ? AND seq <= ? ORDER BY seq"
        try backend.scan("audit", sql, [after, through]) { handle in
            let seq = sqlite3_column_int64(handle, 0)
            let count = Int(sqlite3_column_bytes(handle, 1))
            guard let text = sqlite3_column_text(handle, 1) else { return }
            try body(seq, UnsafeRawBufferPointer(start: UnsafeRawPointer(text), count: count))
        }
    }
}
