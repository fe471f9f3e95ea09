import Foundation
import PostgresNIO
import TesseraCore

/// Time-bound policy exceptions in PostgreSQL. `takeNewlyExpired` claims rows with `FOR UPDATE SKIP LOCKED`,
/// so when several servers sweep at once each expiry is taken (and audited) by one of them.
struct PostgresExceptionRepository: ExceptionRepository {
    let database: PostgresDatabase

    func create(_ exception: PolicyException) async throws {
        let actions = exception.actions.joined(separator: " ")
        let scopes = exception.scopes.joined(separator: " ")
        let audiences = exception.audiences.joined(separator: " ")
        try await database.rows(
            """
            INSERT INTO exceptions (id, identity, owner, justification, actions, scopes, audiences, created_by,
              created_at, expires_at, revoked_at, revoke_reason, uses, last_used_at)
            VALUES (\(exception.id), \(exception.identity), \(exception.owner), \(exception.justification), \(actions),
              \(scopes), \(audiences), \(exception.createdBy), \(exception.createdAt.epoch), \(exception.expiresAt.epoch),
              \(exception.revokedAt?.epoch), \(exception.revokeReason), \(exception.uses), \(exception.lastUsedAt?.epoch))
            """)
    }

    func get(id: String) async throws -> PolicyException? {
        try await database.rows("SELECT * FROM exceptions WHERE id = \(id)").first.map(Self.exception)
    }

    func list(identity: String?, activeAt: Date?, limit: Int) async throws -> [PolicyException] {
        var statement = PostgresStatement()
        var conditions: [String] = []
        if let identity { conditions.append("identity = \(statement.bind(identity))") }
        if let activeAt { conditions.append("revoked_at IS NULL AND expires_at > \(statement.bind(activeAt.epoch))") }
        let limit = statement.bind(limit)
        return try await database.rows(
            statement.query(
                "SELECT * FROM exceptions \(PostgresStatement.whereClause(conditions)) ORDER BY created_at DESC, id LIMIT \(limit)")
        ).map(Self.exception)
    }

    func revoke(id: String, reason: String, at now: Date) async throws -> PolicyException {
        let rows = try await database.rows(
            """
            UPDATE exceptions SET revoked_at = \(now.epoch), revoke_reason = \(reason)
            WHERE id = \(id) AND revoked_at IS NULL AND expires_at > \(now.epoch) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "exception \(id) is not active") }
        return try Self.exception(row)
    }

    func recordUse(id: String, at now: Date) async throws {
        try await database.rows("UPDATE exceptions SET uses = uses + 1, last_used_at = \(now.epoch) WHERE id = \(id)")
    }

    func takeNewlyExpired(now: Date) async throws -> [PolicyException] {
        try await database.rows(
            """
            UPDATE exceptions SET expiry_recorded = TRUE WHERE id IN (
              SELECT id FROM exceptions
              WHERE NOT expiry_recorded AND revoked_at IS NULL AND expires_at <= \(now.epoch)
              LIMIT 500 FOR UPDATE SKIP LOCKED)
            AND NOT expiry_recorded RETURNING *
            """
        ).map(Self.exception)
    }

    static func exception(_ row: PostgresRow) throws -> PolicyException {
        func words(_ column: String) throws -> [String] {
            try row.value(column, as: String.self).split(separator: " ").map(String.init)
        }
        return PolicyException(
            id: try row.value("id"), identity: try row.value("identity"), owner: try row.value("owner"),
            justification: try row.value("justification"), actions: try words("actions"), scopes: try words("scopes"),
            audiences: try words("audiences"), createdBy: try row.value("created_by"),
            createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"),
            revokedAt: try row.optionalDate("revoked_at"), revokeReason: try row.value("revoke_reason"),
            uses: try row.value("uses"), lastUsedAt: try row.optionalDate("last_used_at"))
    }
}
