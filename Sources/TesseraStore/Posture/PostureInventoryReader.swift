import Foundation
import GRDB
import GRDBSQLite
import TesseraCore

/// The inventory fields posture's detectors read, without the full `Identity` decoding (no SPIFFE ID parse,
/// no `JSONDecoder` for scope lists): an evaluation reads every identity.
public struct InventoryRow: Sendable {
    public let id: String
    /// The SPIFFE ID as stored (the OAuth client id).
    public let clientID: String
    public let owner: String
    public let status: IdentityStatus
    public let scopes: [String]
    public let jwks: String
    public let tokenTTL: Int?
    public let createdAt: Date
    public let expiresAt: Date?
    public let reviewBy: Date?

    public init(
        id: String, clientID: String, owner: String, status: IdentityStatus, scopes: [String], jwks: String, tokenTTL: Int?,
        createdAt: Date, expiresAt: Date?, reviewBy: Date?
    ) {
        self.id = id
        self.clientID = clientID
        self.owner = owner
        self.status = status
        self.scopes = scopes
        self.jwks = jwks
        self.tokenTTL = tokenTTL
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.reviewBy = reviewBy
    }

    public init(_ identity: Identity) {
        self.init(
            id: identity.id, clientID: identity.clientID, owner: identity.owner, status: identity.status, scopes: identity.scopes,
            jwks: identity.jwks, tokenTTL: identity.tokenTTL, createdAt: identity.createdAt, expiresAt: identity.expiresAt,
            reviewBy: identity.reviewBy)
    }
}

/// Streams the identities table for posture in one read transaction, row by row.
public struct PostureInventoryReader: Sendable {
    let pool: DatabasePool

    /// Ids that split the inventory into `parts` ranges of about equal size (`parts - 1` of them, ascending).
    public func boundaries(parts: Int) throws -> [String] {
        try pool.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identities") ?? 0
            guard parts > 1, count >= parts * 1000 else { return [] }
            return try (1..<parts).compactMap { part in
                try String.fetchOne(db, sql: "SELECT id FROM identities ORDER BY id LIMIT 1 OFFSET ?", arguments: [count * part / parts])
            }
        }
    }

    /// Calls `body` for every identity with `after < id <= through` (either bound optional), in id order. Blocks
    /// the calling thread.
    public func scan(after: String? = nil, through: String? = nil, _ body: (InventoryRow) throws -> Void) throws {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: [String] = []
            if let after {
                conditions.append("id > ?")
                arguments.append(after)
            }
            if let through {
                conditions.append("id <= ?")
                arguments.append(through)
            }
            let statement = try db.makeStatement(
                sql: """
                    SELECT id, spiffe_id, owner, status, scopes, jwks, token_ttl, created_at, expires_at, review_by
                    FROM identities \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY id
                    """)
            try statement.setArguments(StatementArguments(arguments))
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            func text(_ column: Int32) -> String {
                guard let pointer = sqlite3_column_text(handle, column) else { return "" }
                return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
            }
            func real(_ column: Int32) -> Date? {
                sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : Date(timeIntervalSince1970: sqlite3_column_double(handle, column))
            }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw StoreError(.unavailable, "inventory scan failed: \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
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

extension TesseraDatabase {
    /// Raw inventory access for posture.
    public var postureInventory: PostureInventoryReader { PostureInventoryReader(pool: pool) }
}
