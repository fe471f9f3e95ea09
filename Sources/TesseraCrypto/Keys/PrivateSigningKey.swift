import Crypto
import Foundation
import TesseraCore
import _CryptoExtras

/// A client's private key, used by the CLI and tests to sign `private_key_jwt` assertions.
public enum PrivateSigningKey: Sendable {
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)
    case rsa(_RSA.Signing.PrivateKey)

    /// Parses a PEM private key (PKCS#8 or SEC1 for EC, PKCS#1 or PKCS#8 for RSA, PKCS#8 for Ed25519).
    public init(pem: String) throws(TesseraCryptoError) {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p256(key)
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p384(key)
        } else if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            self = .rsa(key)
        } else if let der = PEM.decode(pem, label: "PRIVATE KEY"), der.count == 48,
            der.prefix(16)
                == Data([0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        {
            self = .ed25519(key)
        } else {
            throw TesseraCryptoError(.malformedKey, "not a PEM private key of a supported type (P-256, P-384, Ed25519, RSA)")
        }
    }

    /// The default JWS algorithm for this key.
    public var algorithm: JWSAlgorithm {
        switch self {
        case .p256: return .es256
        case .p384: return .es384
        case .ed25519: return .eddsa
        case .rsa: return .rs256
        }
    }

    public var publicKey: VerificationKey {
        switch self {
        case .p256(let key): return .p256(key.publicKey)
        case .p384(let key): return .p384(key.publicKey)
        case .ed25519(let key): return .ed25519(key.publicKey)
        case .rsa(let key): return .rsa(key.publicKey)
        }
    }

    /// Signs `signingInput` and returns the JWS signature bytes.
    public func sign(_ signingInput: Data) throws -> Data {
        switch self {
        case .p256(let key): return try key.signature(for: SHA256.hash(data: signingInput)).rawRepresentation
        case .p384(let key): return try key.signature(for: SHA384.hash(data: signingInput)).rawRepresentation
        case .ed25519(let key): return try key.signature(for: signingInput)
        case .rsa(let key):
            return try key.signature(for: SHA256.hash(data: signingInput), padding: .insecurePKCS1v1_5).rawRepresentation
        }
    }
}

/// Builds RFC 7523 client assertions.
public enum ClientAssertion {
    /// A signed assertion: `iss` = `sub` = `clientID`, `aud` = `audience`, `exp` = now + lifetime, a fresh `jti`.
    public static func sign(
        clientID: String, audience: String, key: PrivateSigningKey, kid: String? = nil, now: Date,
        lifetime: TimeInterval = 60, jti: String? = nil
    ) throws -> String {
        var header = JSONWriter()
        header.field("alg", key.algorithm.rawValue)
        header.field("typ", "JWT")
        header.field("kid", kid ?? key.publicKey.jwk().kid ?? "")
        var claims = JSONWriter()
        claims.field("iss", clientID)
        claims.field("sub", clientID)
        claims.field("aud", audience)
        claims.field("iat", Int(now.timeIntervalSince1970))
        claims.field("exp", Int(now.timeIntervalSince1970 + lifetime))
        claims.field("jti", jti ?? UUID().uuidString)
        let input = Base64URL.encode(header.finish()) + "." + Base64URL.encode(claims.finish())
        return input + "." + Base64URL.encode(try key.sign(Data(input.utf8)))
    }
}
