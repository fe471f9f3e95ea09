import Foundation
import GRDB
import TesseraCore

struct SQLiteExceptionRepository: ExceptionRepository {
    let pool: DatabasePool

    func create(_ exception: PolicyException) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO exceptions (id, identity, owner, justification, actions, scopes, audiences, created_by,
                      created_at, expires_at, revoked_at, revoke_reason, uses, last_used_at)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    exception.id, exception.identity, exception.owner, exception.justification,
                    exception.actions.joined(separator: " "), exception.scopes.joined(separator: " "),
                    exception.audiences.joined(separator: " "), exception.createdBy, exception.createdAt.epoch,
                    exception.expiresAt.epoch, exception.revokedAt?.epoch, exception.revokeReason, exception.uses,
                    exception.lastUsedAt?.epoch,
                ])
        }
    }

    func get(id: String) async throws -> PolicyException? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM exceptions WHERE id = ?", arguments: [id]).map(Self.exception)
        }
    }

    func list(identity: String?, activeAt: Date?, limit: Int) async throws -> [PolicyException] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let identity {
            conditions.append("identity = ?")
            arguments += [identity]
        }
        if let activeAt {
            conditions.append("revoked_at IS NULL AND expires_at > ?")
            arguments += [activeAt.epoch]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit]
        return try await pool.read { [arguments] db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM exceptions \(filter) ORDER BY created_at DESC, id LIMIT ?", arguments: arguments
            ).map(Self.exception)
        }
    }

    func revoke(id: String, reason: String, at now: Date) async throws -> PolicyException {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE exceptions SET revoked_at = ?, revoke_reason = ?
                      WHERE id = ? AND revoked_at IS NULL AND expires_at > ?
                    """, arguments: [now.epoch, reason, id, now.epoch])
            guard db.changesCount == 1 else { throw StoreError(.conflict, "exception \(id) is not active") }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM exceptions WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no exception \(id)")
            }
            return Self.exception(row)
        }
    }

    func recordUse(id: String, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE exceptions SET uses = uses + 1, last_used_at = ? WHERE id = ?", arguments: [now.epoch, id])
        }
    }

    func takeNewlyExpired(now: Date) async throws -> [PolicyException] {
        try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM exceptions WHERE expiry_recorded = 0 AND revoked_at IS NULL AND expires_at <= ?
                      LIMIT 500
                    """, arguments: [now.epoch])
            let mark = try db.cachedStatement(sql: "UPDATE exceptions SET expiry_recorded = 1 WHERE id = ?")
            for row in rows { try mark.execute(arguments: [row["id"] as String]) }
            return rows.map(Self.exception)
        }
    }

    static func exception(_ row: Row) -> PolicyException {
        func words(_ column: String) -> [String] {
            (row[column] as String).split(separator: " ").map(String.init)
        }
        return PolicyException(
            id: row["id"], identity: row["identity"], owner: row["owner"], justification: row["justification"],
            actions: words("actions"), scopes: words("scopes"), audiences: words("audiences"),
            createdBy: row["created_by"], createdAt: Date(epoch: row["created_at"]),
            expiresAt: Date(epoch: row["expires_at"]), revokedAt: (row["revoked_at"] as Double?).map(Date.init(epoch:)),
            revokeReason: row["revoke_reason"], uses: row["uses"],
            lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(epoch:)))
    }
}
