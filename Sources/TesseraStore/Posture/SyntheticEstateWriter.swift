import Foundation
import GRDB
import TesseraCore

/// Bulk writes for benchmarks: inserts many identities per transaction. The inventory API writes one
/// identity per durable transaction, which is right for production and far too slow to seed a million.
public struct SyntheticEstateWriter: Sendable {
    let pool: DatabasePool

    /// Inserts `identities` in one transaction.
    public func insert(_ identities: [Identity]) async throws {
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO identities (id, spiffe_id, kind, owner, purpose, trust_boundary, environment,
                      expires_at, review_by, status, scopes, audiences, token_ttl, jwks, created_at, updated_at,
                      auth_methods)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for identity in identities {
                try statement.execute(arguments: [
                    identity.id, identity.spiffeID.description, identity.kind.rawValue, identity.owner, identity.purpose,
                    identity.trustBoundary, identity.environment, identity.expiresAt?.epoch, identity.reviewBy?.epoch,
                    identity.status.rawValue, JSONList.encode(identity.scopes), JSONList.encode(identity.audiences),
                    identity.tokenTTL, identity.jwks, identity.createdAt.epoch, identity.updatedAt.epoch,
                    IdentityAuthSchema.encode(identity.authMethods),
                ])
            }
        }
    }
}

extension TesseraDatabase {
    /// Bulk writer for synthetic estates (benchmarks only).
    public var syntheticEstate: SyntheticEstateWriter { SyntheticEstateWriter(pool: pool) }
}
