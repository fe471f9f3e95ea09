import Foundation

/// Revocation and replay state of tokens.
public protocol TokenStateRepository: Sendable {
    /// Records a revocation; idempotent.
    func revoke(jti: String, expiresAt: Date, reason: String, at: Date) async throws
    func isRevoked(jti: String) async throws -> Bool
    /// Revoked tokens that have not expired at `now`: what offline validators must still refuse.
    func revokedUnexpired(now: Date, limit: Int) async throws -> [(jti: String, expiresAt: Date)]
    /// Replay keys (see `ReplayGuard`) that have not expired at `now`.
    func unexpiredReplayKeys(now: Date) async throws -> [(key: String, expiresAt: Date)]
    /// Claims a single-use key until `expiresAt`, atomically for every server sharing the storage: `true` for
    /// the first claim, `false` while an earlier claim has not expired at `now` (a replay). An expired claim is
    /// taken over.
    func claimReplayKey(_ key: String, expiresAt: Date, now: Date) async throws -> Bool
    /// `claimReplayKey` for a caller that issues nothing on the claim before a durable audit append made after it
    /// (the token endpoint: the issued token's record, which also stores the key). On PostgreSQL the claim then
    /// commits without waiting for its own WAL flush: it is visible to every server at once, and the audit commit
    /// flushes the WAL past it, so no credential rests on a claim that a crash could lose (docs/threat-model.md).
    func claimReplayKeyBeforeAudit(_ key: String, expiresAt: Date, now: Date) async throws -> Bool
    /// Deletes expired replay keys and revocations of expired tokens.
    func purgeExpired(now: Date) async throws
}

extension TokenStateRepository {
    /// Stores without a cheaper claim: the durable one.
    public func claimReplayKeyBeforeAudit(_ key: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await claimReplayKey(key, expiresAt: expiresAt, now: now)
    }
}

/// Key-value settings of the installation (trust domain, KEK check value, ...).
public protocol MetadataRepository: Sendable {
    func value(for key: String) async throws -> String?
    func set(_ value: String, for key: String) async throws
}
