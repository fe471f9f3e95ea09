import Foundation
import Hummingbird
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Admin API of the token signing keys: `GET /v1/keys` (public metadata only), `POST /v1/keys/rotate`.
///
/// A rotation makes a new ES256 key the signer; the previous one stays in the JWKS to verify the tokens it signed
/// (rotate no more often than the longest token lifetime), older ones leave it. Other servers on the same storage
/// hear of it over the cluster event bus and load the new key.
struct SigningKeyRoutes {
    let database: any TesseraStorage
    let kek: KeyEncryptionKey
    let keys: KeyRing
    let audit: AuditLog
    let clock: any TimeSource
    let issuer: String
    /// Tells the other servers (cluster event bus).
    let onRotate: @Sendable () async -> Void

    struct Item: Encodable {
        let kid: String
        let algorithm: String
        let status: String
        let created_at: Date
    }

    func register(in group: RouterGroup<TesseraRequestContext>) {
        group.get("keys") { _, context in
            _ = try context.requireAdmin()
            let stored = try await database.signingKeys.keys(purpose: "jwt")
            struct Page: Encodable { let keys: [Item] }
            return try Response.json(
                Page(keys: stored.map { Item(kid: $0.kid, algorithm: $0.algorithm, status: $0.status, created_at: $0.createdAt) }))
        }
        group.post("keys/rotate") { _, context in
            let actor = try context.requireAdmin()
            let previous = keys.active.kid
            let kid = try await Bootstrap.rotateSigningKey(database: database, kek: kek, clock: clock)
            try await Bootstrap.reload(keys, database: database, kek: kek)
            await onRotate()
            try await audit.append(
                AuditEvent(
                    type: "keys.rotated", outcome: .success, actor: actor.auditActor, subject: issuer,
                    details: ["kid": .string(kid), "previous_kid": .string(previous)]))
            struct Reply: Encodable {
                let kid: String
                let previous_kid: String
                let published: [String]
            }
            return try Response.json(Reply(kid: kid, previous_kid: previous, published: keys.published.compactMap(\.kid)))
        }
    }
}
