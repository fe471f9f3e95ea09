import TesseraCrypto

/// The trust domain's token signing keys: one active key signs, every published key verifies.
public struct KeyRing: Sendable {
    public let active: SigningKey
    /// Public keys served at the JWKS endpoint (active first).
    public let published: [JWK]
    private let verifiers: [KeyedVerificationKey]

    public init(active: SigningKey, published: [JWK]) {
        self.active = active
        self.published = published
        self.verifiers = published.compactMap { jwk in
            (try? VerificationKey(jwk: jwk)).map { KeyedVerificationKey(kid: jwk.kid, key: $0) }
        }
    }

    /// Keys to verify tokens this server issued.
    public var verificationKeys: [KeyedVerificationKey] { verifiers }

    /// The JWKS document.
    public var jwks: JWKSet { JWKSet(keys: published) }
}
