import Crypto
import Foundation
import TesseraCore
import _CryptoExtras

/// A signing key of the trust domain (access tokens or JWT-SVIDs), with its key id: ES256 (P-256, the default)
/// or RS256 (RSA 2048, for relying parties that accept only RSA, such as some cloud workload-identity services).
public struct SigningKey: Sendable {
    private enum Material: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    public let kid: String
    /// The JWS algorithm every signature of this key uses.
    public let algorithm: JWSAlgorithm
    private let material: Material
    /// Precomputed `BASE64URL(header)` for `typ: at+jwt`, the hot path.
    private let accessTokenHeader: String

    /// Algorithms a trust-domain key can have.
    public static let supportedAlgorithms: [JWSAlgorithm] = [.es256, .rs256]

    public init(privateKey: P256.Signing.PrivateKey) {
        self.init(material: .p256(privateKey), algorithm: .es256, public: .p256(privateKey.publicKey))
    }

    private init(material: Material, algorithm: JWSAlgorithm, public publicKey: VerificationKey) {
        self.material = material
        self.algorithm = algorithm
        self.kid = publicKey.jwk().kid ?? ""
        self.accessTokenHeader = Self.encodedHeader(algorithm: algorithm, kid: kid, typ: "at+jwt")
    }

    /// Loads a key as stored (sealed under the KEK): the raw P-256 scalar for ES256, PKCS#1 DER for RS256.
    public init(rawPrivateKey: Data, algorithm: JWSAlgorithm = .es256) throws(TesseraCryptoError) {
        switch algorithm {
        case .es256:
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: rawPrivateKey) else {
                throw TesseraCryptoError(.malformedKey, "stored signing key is not a P-256 private key")
            }
            self.init(privateKey: key)
        case .rs256:
            guard let key = try? _RSA.Signing.PrivateKey(derRepresentation: rawPrivateKey), key.keySizeInBits >= 2048 else {
                throw TesseraCryptoError(.malformedKey, "stored signing key is not an RSA private key of 2048 bits or more")
            }
            self.init(material: .rsa(key), algorithm: .rs256, public: .rsa(key.publicKey))
        default:
            throw TesseraCryptoError(.unsupportedAlgorithm, "trust-domain keys are ES256 or RS256, not \(algorithm.rawValue)")
        }
    }

    /// The private key as stored (sealed under the KEK). Never log it.
    public var rawPrivateKey: Data {
        switch material {
        case .p256(let key): return key.rawRepresentation
        case .rsa(let key): return key.derRepresentation
        }
    }

    /// Generates a fresh key: P-256 for ES256, RSA 2048 for RS256.
    public static func generate(algorithm: JWSAlgorithm = .es256) throws(TesseraCryptoError) -> SigningKey {
        switch algorithm {
        case .es256:
            return SigningKey(privateKey: P256.Signing.PrivateKey(compactRepresentable: false))
        case .rs256:
            guard let key = try? _RSA.Signing.PrivateKey(keySize: .bits2048) else {
                throw TesseraCryptoError(.malformedKey, "RSA key generation failed")
            }
            return SigningKey(material: .rsa(key), algorithm: .rs256, public: .rsa(key.publicKey))
        default:
            throw TesseraCryptoError(.unsupportedAlgorithm, "trust-domain keys are ES256 or RS256, not \(algorithm.rawValue)")
        }
    }

    /// Generates a fresh ES256 key.
    public static func generate() -> SigningKey {
        SigningKey(privateKey: P256.Signing.PrivateKey(compactRepresentable: false))
    }

    /// The public key.
    public var publicKey: VerificationKey {
        switch material {
        case .p256(let key): return .p256(key.publicKey)
        case .rsa(let key): return .rsa(key.publicKey)
        }
    }

    /// The public JWK, with `kid`, `use: sig` and `alg`.
    public var publicJWK: JWK {
        var jwk = publicKey.jwk()
        jwk.use = "sig"
        jwk.alg = algorithm.rawValue
        return jwk
    }

    /// Signs `claims` (a serialized JSON object) as a compact JWS with `typ`.
    public func sign(claims: Data, typ: String) throws -> String {
        let header = typ == "at+jwt" ? accessTokenHeader : Self.encodedHeader(algorithm: algorithm, kid: kid, typ: typ)
        let signingInput = header + "." + Base64URL.encode(claims)
        let signature: Data
        switch material {
        case .p256(let key):
            signature = try key.signature(for: SHA256.hash(data: Data(signingInput.utf8))).rawRepresentation
        case .rsa(let key):
            signature = try key.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
                .rawRepresentation
        }
        return signingInput + "." + Base64URL.encode(signature)
    }

    private static func encodedHeader(algorithm: JWSAlgorithm, kid: String, typ: String) -> String {
        var json = JSONWriter()
        json.field("alg", algorithm.rawValue)
        json.field("kid", kid)
        json.field("typ", typ)
        return Base64URL.encode(json.finish())
    }
}
