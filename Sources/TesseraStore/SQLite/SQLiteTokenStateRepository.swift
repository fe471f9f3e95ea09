import Foundation
import GRDB

struct SQLiteTokenStateRepository: TokenStateRepository {
    let pool: DatabasePool

    func revoke(jti: String, expiresAt: Date, reason: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at, revoked_at, reason) VALUES (?, ?, ?, ?)",
                arguments: [jti, expiresAt.epoch, at.epoch, reason])
        }
    }

    func isRevoked(jti: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?)", arguments: [jti])
                ?? false
        }
    }

    func revokedUnexpired(now: Date, limit: Int) async throws -> [(jti: String, expiresAt: Date)] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > ? ORDER BY jti LIMIT ?",
                arguments: [now.epoch, limit]
            ).map { (jti: $0["jti"], expiresAt: Date(epoch: $0["expires_at"])) }
        }
    }

    func unexpiredReplayKeys(now: Date) async throws -> [(key: String, expiresAt: Date)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT key, expires_at FROM replay_keys WHERE expires_at > ?", arguments: [now.epoch])
                .map { (key: $0["key"], expiresAt: Date(epoch: $0["expires_at"])) }
        }
    }

    func claimReplayKey(_ key: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO replay_keys (key, expires_at) VALUES (?, ?)
                    ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_keys.expires_at <= ?
                    """,
                arguments: [key, expiresAt.epoch, now.epoch])
            return db.changesCount > 0
        }
    }

    func purgeExpired(now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM replay_keys WHERE expires_at <= ?", arguments: [now.epoch])
            try db.execute(sql: "DELETE FROM revoked_tokens WHERE expires_at <= ?", arguments: [now.epoch])
        }
    }
}

struct SQLiteMetadataRepository: MetadataRepository {
    let pool: DatabasePool

    func value(for key: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    func set(_ value: String, for key: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }
}
