import Foundation

/// A signing key as stored: the private key is sealed under the KEK.
public struct StoredSigningKey: Sendable, Equatable {
    public let kid: String
    public let algorithm: String
    /// What the key signs, e.g. `jwt`.
    public let purpose: String
    public let sealedPrivateKey: Data
    public let publicJWK: String
    public let createdAt: Date
    /// `active` keys sign; `next` keys are published ahead of signing (a scheduled rotation, so relying parties
    /// that cache the JWKS know them before they see them); `published` keys only verify (kept in the JWKS after
    /// a rotation); `retired` keys are no longer served.
    public let status: String

    public init(
        kid: String, algorithm: String, purpose: String, sealedPrivateKey: Data, publicJWK: String, createdAt: Date,
        status: String
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.purpose = purpose
        self.sealedPrivateKey = sealedPrivateKey
        self.publicJWK = publicJWK
        self.createdAt = createdAt
        self.status = status
    }
}

/// Persistence for the trust domain's keys.
public protocol SigningKeyRepository: Sendable {
    func insert(_ key: StoredSigningKey) async throws
    /// Keys for `purpose`, newest first.
    func keys(purpose: String) async throws -> [StoredSigningKey]
    /// Makes `key` the active key of its purpose in one transaction: the active key becomes `published` (it still
    /// verifies the tokens it signed), keys published before it become `retired` (no longer served), and so does a
    /// pending `next` key (an immediate rotation answers a suspected compromise: nothing generated before it signs).
    func rotate(to key: StoredSigningKey) async throws
    /// Makes the `next` key `kid` of `purpose` active in one transaction (the active key becomes `published`, keys
    /// published before it `retired`); `false` when no such `next` key exists (another server promoted it).
    func promote(kid: String, purpose: String) async throws -> Bool
}
