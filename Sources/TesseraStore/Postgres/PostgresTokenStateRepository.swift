import Foundation
import PostgresNIO

/// Token revocations and replay keys in PostgreSQL, shared by every server.
struct PostgresTokenStateRepository: TokenStateRepository {
    let database: PostgresDatabase

    func revoke(jti: String, expiresAt: Date, reason: String, at: Date) async throws {
        try await database.rows(
            """
            INSERT INTO revoked_tokens (jti, expires_at, revoked_at, reason)
            VALUES (\(jti), \(expiresAt.epoch), \(at.epoch), \(reason)) ON CONFLICT (jti) DO NOTHING
            """)
    }

    func isRevoked(jti: String) async throws -> Bool {
        try await !database.rows("SELECT 1 FROM revoked_tokens WHERE jti = \(jti)").isEmpty
    }

    func revokedUnexpired(now: Date, limit: Int) async throws -> [(jti: String, expiresAt: Date)] {
        try await database.rows(
            "SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > \(now.epoch) ORDER BY jti LIMIT \(limit)"
        ).map { (jti: try $0.value("jti"), expiresAt: try $0.date("expires_at")) }
    }

    func unexpiredReplayKeys(now: Date) async throws -> [(key: String, expiresAt: Date)] {
        try await database.rows("SELECT key, expires_at FROM replay_keys WHERE expires_at > \(now.epoch)").map {
            (key: try $0.value("key"), expiresAt: try $0.date("expires_at"))
        }
    }

    func claimReplayKey(_ key: String, expiresAt: Date, now: Date) async throws -> Bool {
        // One statement: a concurrent claim of the same key waits for this row, then sees it taken.
        try await !database.rows(
            """
            INSERT INTO replay_keys (key, expires_at) VALUES (\(key), \(expiresAt.epoch))
            ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at
            WHERE replay_keys.expires_at <= \(now.epoch) RETURNING key
            """
        ).isEmpty
    }

    func purgeExpired(now: Date) async throws {
        try await database.transaction { connection in
            try await connection.query("DELETE FROM replay_keys WHERE expires_at <= \(now.epoch)", logger: database.logger)
            try await connection.query("DELETE FROM revoked_tokens WHERE expires_at <= \(now.epoch)", logger: database.logger)
        }
    }
}
