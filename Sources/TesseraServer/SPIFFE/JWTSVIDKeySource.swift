import Synchronization
import TesseraCrypto

/// The trust domain's JWT-SVID verification keys, for the token endpoint: a JWT-SVID (no `iss`, `sub` = the
/// client's SPIFFE ID, signed by one of these keys) is accepted as a `private_key_jwt` client assertion.
public final class JWTSVIDKeySource: Sendable {
    private let current = Mutex<[KeyedVerificationKey]>([])

    public init() {}

    /// The keys, as published in the trust bundle.
    public var keys: [KeyedVerificationKey] { current.withLock { $0 } }

    /// Whether `kid` names a JWT-SVID key.
    public func contains(kid: String) -> Bool { current.withLock { $0.contains { $0.kid == kid } } }

    func set(_ jwks: [JWK]) {
        let keys = (try? KeyedVerificationKey.from(JWKSet(keys: jwks))) ?? []
        current.withLock { $0 = keys }
    }
}
