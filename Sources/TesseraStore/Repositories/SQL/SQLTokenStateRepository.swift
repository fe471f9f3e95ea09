import Foundation

/// Token revocations and replay keys, on either engine (on PostgreSQL shared by every server).
struct SQLTokenStateRepository: TokenStateRepository {
    let sql: any SQLExecutor

    func revoke(jti: String, expiresAt: Date, reason: String, at: Date) async throws {
        try await sql.execute(
            """
            INSERT INTO revoked_tokens (jti, expires_at, revoked_at, reason) VALUES (\(jti), \(expiresAt), \(at), \(reason))
            ON CONFLICT (jti) DO NOTHING
            """)
    }

    func isRevoked(jti: String) async throws -> Bool {
        try await sql.lookupRow("SELECT 1 AS revoked FROM revoked_tokens WHERE jti = \(jti)") != nil
    }

    func revokedUnexpired(now: Date, limit: Int) async throws -> [(jti: String, expiresAt: Date)] {
        try await sql.rows("SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > \(now) ORDER BY jti LIMIT \(limit)")
            .map { (jti: try $0.string("jti"), expiresAt: try $0.date("expires_at")) }
    }

    func unexpiredReplayKeys(now: Date) async throws -> [(key: String, expiresAt: Date)] {
        try await sql.rows("SELECT key, expires_at FROM replay_keys WHERE expires_at > \(now)").map {
            (key: try $0.string("key"), expiresAt: try $0.date("expires_at"))
        }
    }

    func claimReplayKey(_ key: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await claim(key, expiresAt: expiresAt, now: now, flushed: true)
    }

    func claimReplayKeyBeforeAudit(_ key: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await claim(key, expiresAt: expiresAt, now: now, flushed: false)
    }

    /// One statement: a concurrent claim of the same key waits for this row, then sees it taken. Unflushed (PostgreSQL):
    /// `synchronous_commit` is off for this statement's own transaction only.
    private func claim(_ key: String, expiresAt: Date, now: Date, flushed: Bool) async throws -> Bool {
        let row: SQL =
            flushed || sql.dialect == .sqlite
            ? "VALUES (\(key), \(expiresAt))"
            : "SELECT \(key), \(expiresAt) FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed"
        return try await !sql.execute(
            """
            INSERT INTO replay_keys (key, expires_at) \(row)
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_keys.expires_at <= \(now)
            RETURNING key
            """
        ).isEmpty
    }

    func purgeExpired(now: Date) async throws {
        try await sql.transaction { sql in
            try await sql.execute("DELETE FROM replay_keys WHERE expires_at <= \(now)")
            try await sql.execute("DELETE FROM revoked_tokens WHERE expires_at <= \(now)")
        }
    }
}
