import Crypto
import Foundation
import TesseraCore

/// An ES256 signing key of the trust domain, with its key id.
public struct SigningKey: Sendable {
    public let kid: String
    public let privateKey: P256.Signing.PrivateKey
    /// Precomputed `BASE64URL(header)` for `typ: at+jwt`, the hot path.
    private let accessTokenHeader: String

    public init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
        let jwk = VerificationKey.p256(privateKey.publicKey).jwk()
        self.kid = jwk.kid ?? ""
        self.accessTokenHeader = Self.encodedHeader(kid: kid, typ: "at+jwt")
    }

    /// Loads a key from its raw scalar (as stored, sealed under the KEK).
    public init(rawPrivateKey: Data) throws(TesseraCryptoError) {
        guard let key = try? P256.Signing.PrivateKey(rawRepresentation: rawPrivateKey) else {
            throw TesseraCryptoError(.malformedKey, "stored signing key is not a P-256 private key")
        }
        self.init(privateKey: key)
    }

    /// The raw private scalar, for sealing under the KEK. Never log it.
    public var rawPrivateKey: Data { privateKey.rawRepresentation }

    /// Generates a fresh key.
    public static func generate() -> SigningKey {
        SigningKey(privateKey: P256.Signing.PrivateKey(compactRepresentable: false))
    }

    /// The public JWK, with `kid`, `use: sig` and `alg: ES256`.
    public var publicJWK: JWK {
        var jwk = VerificationKey.p256(privateKey.publicKey).jwk()
        jwk.use = "sig"
        jwk.alg = JWSAlgorithm.es256.rawValue
        return jwk
    }

    /// Signs `claims` (a serialized JSON object) as a compact JWS with `typ`.
    public func sign(claims: Data, typ: String) throws -> String {
        let header = typ == "at+jwt" ? accessTokenHeader : Self.encodedHeader(kid: kid, typ: typ)
        let signingInput = header + "." + Base64URL.encode(claims)
        let signature = try privateKey.signature(for: SHA256.hash(data: Data(signingInput.utf8)))
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    private static func encodedHeader(kid: String, typ: String) -> String {
        var json = JSONWriter()
        json.field("alg", "ES256")
        json.field("kid", kid)
        json.field("typ", typ)
        return Base64URL.encode(json.finish())
    }
}
