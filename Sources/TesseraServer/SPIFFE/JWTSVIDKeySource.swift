import Synchronization
import TesseraCrypto

/// The trust domain's JWT-SVID verification keys, for the token endpoint: a JWT-SVID (no `iss`, or the configured
/// JWT-SVID issuer as `iss`; `sub` = the client's SPIFFE ID; signed by one of these keys) is accepted as a
/// `private_key_jwt` client assertion.
public final class JWTSVIDKeySource: Sendable {
    private let current = Mutex<(keys: [KeyedVerificationKey], jwks: [JWK])>(([], []))
    /// The JWT-SVID issuer (`SPIFFEConfiguration.jwtIssuer`), when JWT-SVIDs carry `iss`.
    public let issuer: String?

    public init(issuer: String? = nil) {
        self.issuer = issuer
    }

    /// The keys, as published in the trust bundle.
    public var keys: [KeyedVerificationKey] { current.withLock { $0.keys } }

    /// The public keys as JWKs (the JWT-SVID issuer's key set).
    public var jwks: [JWK] { current.withLock { $0.jwks } }

    /// Whether `kid` names a JWT-SVID key.
    public func contains(kid: String) -> Bool { current.withLock { $0.keys.contains { $0.kid == kid } } }

    func set(_ jwks: [JWK]) {
        let keys = (try? KeyedVerificationKey.from(JWKSet(keys: jwks))) ?? []
        current.withLock { $0 = (keys, jwks) }
    }
}
