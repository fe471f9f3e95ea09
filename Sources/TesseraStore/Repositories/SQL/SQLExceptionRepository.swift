import Foundation
import TesseraCore

/// Time-bound policy exceptions, on either engine. `takeNewlyExpired` claims rows with one conditional `UPDATE`
/// (on PostgreSQL over `FOR UPDATE SKIP LOCKED`), so when several servers sweep at once each expiry is taken (and
/// audited) by one of them.
struct SQLExceptionRepository: ExceptionRepository {
    let sql: any SQLExecutor

    func create(_ exception: PolicyException) async throws {
        let e = exception
        try await sql.execute(
            """
            INSERT INTO exceptions (id, identity, owner, justification, actions, scopes, audiences, created_by,
              created_at, expires_at, revoked_at, revoke_reason, uses, last_used_at)
            VALUES (\(e.id), \(e.identity), \(e.owner), \(e.justification), \(e.actions.joined(separator: " ")),
              \(e.scopes.joined(separator: " ")), \(e.audiences.joined(separator: " ")), \(e.createdBy), \(e.createdAt),
              \(e.expiresAt), \(e.revokedAt), \(e.revokeReason), \(e.uses), \(e.lastUsedAt))
            """)
    }

    func get(id: String) async throws -> PolicyException? {
        try await sql.row("SELECT * FROM exceptions WHERE id = \(id)").map(Self.exception)
    }

    func list(identity: String?, activeAt: Date?, limit: Int) async throws -> [PolicyException] {
        var conditions: [SQL] = []
        if let identity { conditions.append("identity = \(identity)") }
        if let activeAt { conditions.append("revoked_at IS NULL AND expires_at > \(activeAt)") }
        return try await sql.rows(
            "SELECT * FROM exceptions \(SQL.whereClause(conditions)) ORDER BY created_at DESC, id LIMIT \(limit)"
        ).map(Self.exception)
    }

    func revoke(id: String, reason: String, at now: Date) async throws -> PolicyException {
        let rows = try await sql.execute(
            """
            UPDATE exceptions SET revoked_at = \(now), revoke_reason = \(reason)
            WHERE id = \(id) AND revoked_at IS NULL AND expires_at > \(now) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "exception \(id) is not active") }
        return try Self.exception(row)
    }

    func recordUse(id: String, at now: Date) async throws {
        try await sql.execute("UPDATE exceptions SET uses = uses + 1, last_used_at = \(now) WHERE id = \(id)")
    }

    func takeNewlyExpired(now: Date) async throws -> [PolicyException] {
        try await sql.execute(
            """
            UPDATE exceptions SET expiry_recorded = \(true) WHERE id IN (
              SELECT id FROM exceptions
              WHERE expiry_recorded = \(false) AND revoked_at IS NULL AND expires_at <= \(now)
              LIMIT 500\(SQL.lockRows(skipLocked: true)))
            AND expiry_recorded = \(false) RETURNING *
            """
        ).map(Self.exception)
    }

    static func exception(_ row: any SQLRow) throws -> PolicyException {
        func words(_ column: String) throws -> [String] { try row.string(column).split(separator: " ").map(String.init) }
        return PolicyException(
            id: try row.string("id"), identity: try row.string("identity"), owner: try row.string("owner"),
            justification: try row.string("justification"), actions: try words("actions"), scopes: try words("scopes"),
            audiences: try words("audiences"), createdBy: try row.string("created_by"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), revokedAt: try row.optionalDate("revoked_at"),
            revokeReason: try row.optionalString("revoke_reason"), uses: try row.int("uses"),
            lastUsedAt: try row.optionalDate("last_used_at"))
    }
}
