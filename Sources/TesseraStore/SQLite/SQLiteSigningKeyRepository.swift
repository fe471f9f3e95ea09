import Foundation
import GRDB

struct SQLiteSigningKeyRepository: SigningKeyRepository {
    let pool: DatabasePool

    func insert(_ key: StoredSigningKey) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO signing_keys (kid, algorithm, purpose, sealed_private_key, public_jwk, created_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.kid, key.algorithm, key.purpose, key.sealedPrivateKey, key.publicJWK, key.createdAt.epoch,
                    key.status,
                ])
        }
    }

    func rotate(to key: StoredSigningKey) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE signing_keys SET status = 'retired' WHERE purpose = ? AND status IN ('published', 'next')",
                arguments: [key.purpose])
            try db.execute(
                sql: "UPDATE signing_keys SET status = 'published' WHERE purpose = ? AND status = 'active'",
                arguments: [key.purpose])
            try db.execute(
                sql: """
                    INSERT INTO signing_keys (kid, algorithm, purpose, sealed_private_key, public_jwk, created_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, 'active')
                    """,
                arguments: [key.kid, key.algorithm, key.purpose, key.sealedPrivateKey, key.publicJWK, key.createdAt.epoch])
        }
    }

    func promote(kid: String, purpose: String) async throws -> Bool {
        try await pool.write { db in
            guard
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM signing_keys WHERE kid = ? AND purpose = ? AND status = 'next'",
                    arguments: [kid, purpose]) == 1
            else { return false }
            try db.execute(
                sql: "UPDATE signing_keys SET status = 'retired' WHERE purpose = ? AND status = 'published'", arguments: [purpose])
            try db.execute(
                sql: "UPDATE signing_keys SET status = 'published' WHERE purpose = ? AND status = 'active'", arguments: [purpose])
            try db.execute(
                sql: "UPDATE signing_keys SET status = 'active' WHERE kid = ? AND purpose = ? AND status = 'next'",
                arguments: [kid, purpose])
            return true
        }
    }

    func keys(purpose: String) async throws -> [StoredSigningKey] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM signing_keys WHERE purpose = ? ORDER BY created_at DESC", arguments: [purpose]
            ).map { row in
                StoredSigningKey(
                    kid: row["kid"], algorithm: row["algorithm"], purpose: row["purpose"],
                    sealedPrivateKey: row["sealed_private_key"], publicJWK: row["public_jwk"],
                    createdAt: Date(epoch: row["created_at"]), status: row["status"])
            }
        }
    }
}

struct SQLiteAdminTokenRepository: AdminTokenRepository {
    let pool: DatabasePool

    func insert(_ token: AdminTokenRecord) async throws {
        try await pool.write { db in
            do {
                try db.execute(
                    sql: "INSERT INTO admin_tokens (id, token_hash, name, role, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [token.id, token.tokenHash, token.name, token.role, token.createdAt.epoch])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(.conflict, "an admin token with this id or hash already exists")
            }
        }
    }

    func find(hash: String) async throws -> AdminTokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admin_tokens WHERE token_hash = ?", arguments: [hash]).map { row in
                AdminTokenRecord(
                    id: row["id"], tokenHash: row["token_hash"], name: row["name"], role: row["role"],
                    createdAt: Date(epoch: row["created_at"]))
            }
        }
    }

    func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM admin_tokens") ?? 0 }
    }
}
