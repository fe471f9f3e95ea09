import Foundation
import Synchronization
import TesseraCrypto

/// The trust domain's token signing keys: one active key signs, every published key verifies.
///
/// Shared by every service that signs or verifies Tessera tokens; `replace` swaps the keys after a rotation (this
/// server's, or another's heard of over the cluster event bus), and every reader sees the new set on its next call.
public final class KeyRing: Sendable {
    private struct Keys: Sendable {
        let active: SigningKey
        let published: [JWK]
        let verifiers: [KeyedVerificationKey]
        let document: Data
    }

    private let keys: Mutex<Keys>

    public init(active: SigningKey, published: [JWK]) {
        keys = Mutex(Self.make(active: active, published: published))
    }

    /// The key that signs.
    public var active: SigningKey { keys.withLock { $0.active } }

    /// Public keys served at the JWKS endpoint (active first).
    public var published: [JWK] { keys.withLock { $0.published } }

    /// Keys to verify tokens this server issued.
    public var verificationKeys: [KeyedVerificationKey] { keys.withLock { $0.verifiers } }

    /// The JWKS document.
    public var jwks: JWKSet { JWKSet(keys: published) }

    /// The JWKS as served at `/.well-known/jwks.json` (encoded once per key set).
    public var jwksDocument: Data { keys.withLock { $0.document } }

    /// Swaps in a new active key and published set.
    public func replace(active: SigningKey, published: [JWK]) {
        let next = Self.make(active: active, published: published)
        keys.withLock { $0 = next }
    }

    private static func make(active: SigningKey, published: [JWK]) -> Keys {
        let verifiers = published.compactMap { jwk in
            (try? VerificationKey(jwk: jwk)).map { KeyedVerificationKey(kid: jwk.kid, key: $0) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = (try? encoder.encode(JWKSet(keys: published))) ?? Data("{\"keys\":[]}".utf8)
        return Keys(active: active, published: published, verifiers: verifiers, document: document)
    }
}
