import Foundation
import PostgresNIO

/// The trust domain's signing keys in PostgreSQL: every server sees the same rotation.
struct PostgresSigningKeyRepository: SigningKeyRepository {
    let database: PostgresDatabase

    func insert(_ key: StoredSigningKey) async throws {
        try await database.rows(
            try """
            INSERT INTO signing_keys (kid, algorithm, purpose, sealed_private_key, public_jwk, created_at, status)
            VALUES (\(key.kid), \(key.algorithm), \(key.purpose), \(key.sealedPrivateKey), \(key.publicJWK),
              \(key.createdAt.epoch), \(key.status))
            """)
    }

    func rotate(to key: StoredSigningKey) async throws {
        let logger = database.logger
        try await database.transaction { connection in
            try await connection.rows(
                "UPDATE signing_keys SET status = 'retired' WHERE purpose = \(key.purpose) AND status IN ('published', 'next')",
                logger: logger)
            try await connection.rows(
                "UPDATE signing_keys SET status = 'published' WHERE purpose = \(key.purpose) AND status = 'active'",
                logger: logger)
            try await connection.rows(
                """
                INSERT INTO signing_keys (kid, algorithm, purpose, sealed_private_key, public_jwk, created_at, status)
                VALUES (\(key.kid), \(key.algorithm), \(key.purpose), \(key.sealedPrivateKey), \(key.publicJWK),
                  \(key.createdAt.epoch), 'active')
                """, logger: logger)
        }
    }

    func promote(kid: String, purpose: String) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction { connection in
            // Locks the pending key's row: two servers promoting at once, one wins and the other sees no `next` key.
            let pending = try await connection.rows(
                "SELECT kid FROM signing_keys WHERE kid = \(kid) AND purpose = \(purpose) AND status = 'next' FOR UPDATE",
                logger: logger
            ).count
            guard pending == 1 else { return false }
            try await connection.rows(
                "UPDATE signing_keys SET status = 'retired' WHERE purpose = \(purpose) AND status = 'published'", logger: logger)
            try await connection.rows(
                "UPDATE signing_keys SET status = 'published' WHERE purpose = \(purpose) AND status = 'active'", logger: logger)
            try await connection.rows(
                "UPDATE signing_keys SET status = 'active' WHERE kid = \(kid) AND purpose = \(purpose) AND status = 'next'",
                logger: logger)
            return true
        }
    }

    func keys(purpose: String) async throws -> [StoredSigningKey] {
        try await database.rows("SELECT * FROM signing_keys WHERE purpose = \(purpose) ORDER BY created_at DESC").map {
            row in
            StoredSigningKey(
                kid: try row.value("kid"), algorithm: try row.value("algorithm"), purpose: try row.value("purpose"),
                sealedPrivateKey: try row.value("sealed_private_key"), publicJWK: try row.value("public_jwk"),
                createdAt: try row.date("created_at"), status: try row.value("status"))
        }
    }
}
