import Foundation

/// The trust domain's signing keys, on either engine (on PostgreSQL every server sees the same rotation).
struct SQLSigningKeyRepository: SigningKeyRepository {
    let sql: any SQLExecutor

    func insert(_ key: StoredSigningKey) async throws {
        try await sql.execute(Self.insert(key, status: key.status))
    }

    func rotate(to key: StoredSigningKey) async throws {
        try await sql.transaction { sql in
            try await sql.execute(
                "UPDATE signing_keys SET status = 'retired' WHERE purpose = \(key.purpose) AND status IN ('published', 'next')")
            try await sql.execute(
                "UPDATE signing_keys SET status = 'published' WHERE purpose = \(key.purpose) AND status = 'active'")
            try await sql.execute(Self.insert(key, status: "active"))
        }
    }

    func promote(kid: String, purpose: String) async throws -> Bool {
        try await sql.transaction { sql in
            // Locks the pending key's row (PostgreSQL): two servers promoting at once, one wins and the other sees
            // no `next` key.
            let pending = try await sql.execute(
                "SELECT kid FROM signing_keys WHERE kid = \(kid) AND purpose = \(purpose) AND status = 'next'\(SQL.lockRows())")
            guard pending.count == 1 else { return false }
            try await sql.execute(
                "UPDATE signing_keys SET status = 'retired' WHERE purpose = \(purpose) AND status = 'published'")
            try await sql.execute("UPDATE signing_keys SET status = 'published' WHERE purpose = \(purpose) AND status = 'active'")
            try await sql.execute(
                "UPDATE signing_keys SET status = 'active' WHERE kid = \(kid) AND purpose = \(purpose) AND status = 'next'")
            return true
        }
    }

    func keys(purpose: String) async throws -> [StoredSigningKey] {
        try await sql.rows("SELECT * FROM signing_keys WHERE purpose = \(purpose) ORDER BY created_at DESC").map { row in
            StoredSigningKey(
                kid: try row.string("kid"), algorithm: try row.string("algorithm"), purpose: try row.string("purpose"),
                sealedPrivateKey: try row.bytes("sealed_private_key"), publicJWK: try row.string("public_jwk"),
                createdAt: try row.date("created_at"), status: try row.string("status"))
        }
    }

    private static func insert(_ key: StoredSigningKey, status: String) -> SQL {
        """
        INSERT INTO signing_keys (kid, algorithm, purpose, sealed_private_key, public_jwk, created_at, status)
        VALUES (\(key.kid), \(key.algorithm), \(key.purpose), \(key.sealedPrivateKey), \(key.publicJWK), \(key.createdAt),
          \(status))
        """
    }
}
