import Crypto
import Foundation
import _CryptoExtras

/// A public key that can verify JWS signatures, bound to the algorithms its type allows.
public enum VerificationKey: Sendable {
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey)

    /// Algorithms this key can verify. The JWS `alg` must be one of these: an EC key never verifies RS256
    /// and an RSA key never verifies an HMAC, whatever the header says.
    public var algorithms: Set<JWSAlgorithm> {
        switch self {
        case .p256: return [.es256]
        case .p384: return [.es384]
        case .ed25519: return [.eddsa]
        case .rsa: return [.rs256, .ps256]
        }
    }

    /// Verifies `signature` over `signingInput` with `algorithm`; `false` on any mismatch.
    public func verify(signature: Data, signingInput: some DataProtocol, algorithm: JWSAlgorithm) -> Bool {
        guard algorithms.contains(algorithm) else { return false }
        switch self {
        case .p256(let key):
            guard signature.count == 64, let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
                return false
            }
            return key.isValidSignature(sig, for: SHA256.hash(data: signingInput))
        case .p384(let key):
            guard signature.count == 96, let sig = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else {
                return false
            }
            return key.isValidSignature(sig, for: SHA384.hash(data: signingInput))
        case .ed25519(let key):
            return key.isValidSignature(signature, for: Data(signingInput))
        case .rsa(let key):
            let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
            let digest = SHA256.hash(data: signingInput)
            let padding: _RSA.Signing.Padding = algorithm == .ps256 ? .PSS : .insecurePKCS1v1_5
            return key.isValidSignature(sig, for: digest, padding: padding)
        }
    }
}

extension VerificationKey {
    /// Builds a key from a public JWK, refusing unknown or weak key types.
    public init(jwk: JWK) throws(TesseraCryptoError) {
        func coordinate(_ value: String?, _ size: Int) throws(TesseraCryptoError) -> Data {
            guard let value, let data = Base64URL.decode(value), data.count == size else {
                throw TesseraCryptoError(.malformedKey, "JWK coordinate missing or of the wrong size")
            }
            return data
        }
        do {
            switch (jwk.kty, jwk.crv) {
            case ("EC", "P-256"):
                let raw = try coordinate(jwk.x, 32) + coordinate(jwk.y, 32)
                self = .p256(try P256.Signing.PublicKey(rawRepresentation: raw))
            case ("EC", "P-384"):
                let raw = try coordinate(jwk.x, 48) + coordinate(jwk.y, 48)
                self = .p384(try P384.Signing.PublicKey(rawRepresentation: raw))
            case ("OKP", "Ed25519"):
                self = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: try coordinate(jwk.x, 32)))
            case ("RSA", _):
                guard let n = jwk.n.flatMap(Base64URL.decode), let e = jwk.e.flatMap(Base64URL.decode) else {
                    throw TesseraCryptoError(.malformedKey, "RSA JWK needs n and e")
                }
                self = .rsa(try _RSA.Signing.PublicKey(n: n, e: e))
            default:
                throw TesseraCryptoError(.malformedKey, "unsupported key type (use EC P-256/P-384, Ed25519 or RSA ≥ 2048)")
            }
        } catch let error as TesseraCryptoError {
            throw error
        } catch {
            throw TesseraCryptoError(.malformedKey, "invalid public key")
        }
        if let alg = jwk.alg {
            guard let algorithm = JWSAlgorithm(rawValue: alg), algorithms.contains(algorithm) else {
                throw TesseraCryptoError(.unsupportedAlgorithm, "JWK alg does not match its key type")
            }
        }
    }

    /// Parses a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) for P-256, P-384, Ed25519 or RSA.
    public init(pem: String) throws(TesseraCryptoError) {
        guard pem.utf8.count <= 16 * 1024 else { throw TesseraCryptoError(.malformedKey, "PEM is too large") }
        if pem.contains("PRIVATE KEY") {
            throw TesseraCryptoError(.malformedKey, "expected a public key, got a private key")
        }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            self = .p256(key)
        } else if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) {
            self = .p384(key)
        } else if let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) {
            self = .rsa(key)
        } else if let der = PEM.decode(pem, label: "PUBLIC KEY"), der.count == 44,
            der.prefix(12) == Data([0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
        {
            self = .ed25519(key)
        } else {
            throw TesseraCryptoError(
                .malformedKey, "not a PEM public key of a supported type (P-256, P-384, Ed25519, RSA ≥ 2048)")
        }
    }

    /// The public JWK for this key, with its RFC 7638 thumbprint as `kid`.
    public func jwk() -> JWK {
        var jwk: JWK
        switch self {
        case .p256(let key):
            let raw = key.rawRepresentation
            jwk = JWK(kty: "EC", crv: "P-256", x: Base64URL.encode(raw.prefix(32)), y: Base64URL.encode(raw.suffix(32)))
        case .p384(let key):
            let raw = key.rawRepresentation
            jwk = JWK(kty: "EC", crv: "P-384", x: Base64URL.encode(raw.prefix(48)), y: Base64URL.encode(raw.suffix(48)))
        case .ed25519(let key):
            jwk = JWK(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(key.rawRepresentation))
        case .rsa(let key):
            let primitives = try? key.getKeyPrimitives()
            jwk = JWK(
                kty: "RSA", n: Base64URL.encode(primitives?.modulus ?? Data()),
                e: Base64URL.encode(primitives?.publicExponent ?? Data()))
        }
        jwk.kid = JWKThumbprint.compute(jwk)
        return jwk
    }
}
