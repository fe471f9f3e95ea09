import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO
import TesseraCore

/// Streams the identities table for posture in one read transaction, row by row. On PostgreSQL the table is
/// streamed in one statement (`stream`), only the columns the detectors read.
public struct PostureInventoryReader: Sendable {
    let backend: PostureBackend

    /// Whether `scan` blocks the calling thread (SQLite); otherwise read with `stream` (PostgreSQL).
    public var blocks: Bool { backend.blocks }

    /// The inventory's version (`change_counters`): every write to `identities` moves it, in the writer's transaction.
    /// Read before the rows, a version equal to the one read before the last pass means no identity changed since that
    /// pass started; `nil` when the database has no counter (the table must be read).
    public func version() async throws -> Int64? {
        try await backend.sql.rows("SELECT version FROM change_counters WHERE name = \("identities")").first?.int64("version")
    }

    /// Row ranges `(after, through]` that split the inventory into `parts` about equal parts, in storage order.
    /// SQLite only; PostgreSQL's inventory is one stream.
    public func ranges(parts: Int) throws -> [(after: Int64, through: Int64)] {
        guard case .sqlite(let pool) = backend else { return [(0, .max)] }
        return try pool.read { db in
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(rowid) FROM identities") ?? 0
            let count = Int64(max(1, parts))
            guard last >= count * 1000 else { return [(0, last)] }
            return (0..<count).map { part in (last * part / count, last * (part + 1) / count) }
        }
    }

    /// Calls `body` for every identity, streamed from PostgreSQL in one statement (the caller's task).
    public func stream(_ body: (InventoryRow) throws -> Void) async throws {
        let query: PostgresQuery = """
            SELECT id, spiffe_id, owner, status, scopes, jwks, token_ttl, created_at, expires_at, review_by FROM identities
            """
        try await backend.stream("inventory", query) { rows in
            let columns = (String, String, String, String, String, String, Int64?, Double, Double?, Double?).self
            for try await row in rows.decode(columns) {
                guard let status = IdentityStatus(rawValue: row.3) else {
                    throw StoreError(.corrupted, "identity row has an unknown status")
                }
                try body(
                    InventoryRow(
                        id: row.0, clientID: row.1, owner: row.2, status: status, scopes: Self.list(row.4), jwks: row.5,
                        tokenTTL: row.6.map { Int($0) }, createdAt: Date(timeIntervalSince1970: row.7),
                        expiresAt: row.8.map(Date.init(timeIntervalSince1970:)),
                        reviewBy: row.9.map(Date.init(timeIntervalSince1970:))))
            }
        }
    }

    /// Calls `body` for every identity whose row is in `(after, through]`, in storage order (a scan by id would
    /// read the table through its index, one random page per row). Blocks the calling thread. SQLite only.
    public func scan(after: Int64, through: Int64, _ body: (InventoryRow) throws -> Void) throws {
        let sql = """
            SELECT id, spiffe_id, owner, status, scopes, jwks, token_ttl, created_at, expires_at, review_by
            FROM identities WHERE rowid > ? AND rowid <= ?
            """
        try backend.scan("inventory", sql, [after, through]) { handle in
            func text(_ column: Int32) -> String {
                guard let pointer = sqlite3_column_text(handle, column) else { return "" }
                return String(
                    decoding: UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column))),
                    as: UTF8.self)
            }
            func real(_ column: Int32) -> Date? {
                sqlite3_column_type(handle, column) == SQLITE_NULL
                    ? nil : Date(timeIntervalSince1970: sqlite3_column_double(handle, column))
            }
            guard let status = IdentityStatus(rawValue: text(3)) else {
                throw StoreError(.corrupted, "identity row has an unknown status")
            }
            let ttl = sqlite3_column_type(handle, 6) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(handle, 6))
            try body(
                InventoryRow(
                    id: text(0), clientID: text(1), owner: text(2), status: status, scopes: Self.list(text(4)), jwks: text(5),
                    tokenTTL: ttl, createdAt: real(7) ?? Date(timeIntervalSince1970: 0), expiresAt: real(8), reviewBy: real(9)))
        }
    }

    /// A JSON array of strings; escaped strings go through `JSONDecoder`.
    static func list(_ text: String) -> [String] {
        if text == "[]" { return [] }
        let bytes = Array(text.utf8)
        if bytes.count >= 4, !bytes.contains(92), bytes.starts(with: [91, 34]), bytes.suffix(2).elementsEqual([34, 93]) {
            // ["a","b"]: split on "," (a quote inside a value would be escaped, and escapes take the slow path).
            var out: [String] = []
            var start = 2
            var index = 2
            let end = bytes.count - 2
            while index < end {
                if bytes[index] == 34, index + 2 < bytes.count, bytes[index + 1] == 44, bytes[index + 2] == 34 {
                    out.append(String(decoding: bytes[start..<index], as: UTF8.self))
                    index += 3
                    start = index
                } else {
                    index += 1
                }
            }
            out.append(String(decoding: bytes[start..<end], as: UTF8.self))
            return out
        }
        return JSONList.decode(text)
    }
}
