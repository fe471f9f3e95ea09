import Foundation
import GRDB
import GRDBSQLite

/// Raw, read-only access to the audit table for posture's digest: record bodies are handed out as bytes
/// borrowed from SQLite (no `Row`, no `String`), so folding ten million records allocates almost nothing.
public struct PostureAuditReader: Sendable {
    let pool: DatabasePool

    /// The highest sequence number in the audit table (0 when empty).
    public func lastSeq() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_records") ?? 0 }
    }

    /// The stored hash of record `seq`, if it exists.
    public func hash(seq: Int64) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT hash FROM audit_records WHERE seq = ?", arguments: [seq]) }
    }

    /// Calls `body` with each record's sequence number and canonical JSON body for `after < seq <= through`, in
    /// order. The bytes are valid only during the call. Blocks the calling thread (run it off the cooperative pool).
    public func scan(after: Int64, through: Int64, _ body: (Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        try pool.read { db in
            let statement = try db.makeStatement(sql: "SELECT seq, body FROM audit_records WHERE seq > ? AND seq <= ? ORDER BY seq")
            try statement.setArguments([after, through])
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw StoreError(.unavailable, "audit scan failed: \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
                }
                let seq = sqlite3_column_int64(handle, 0)
                let count = Int(sqlite3_column_bytes(handle, 1))
                guard let text = sqlite3_column_text(handle, 1) else { continue }
                try body(seq, UnsafeRawBufferPointer(start: UnsafeRawPointer(text), count: count))
            }
        }
    }
}

extension TesseraDatabase {
    /// Raw audit access for posture's digest.
    public var postureAudit: PostureAuditReader { PostureAuditReader(pool: pool) }
}
