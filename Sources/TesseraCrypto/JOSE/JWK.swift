import Foundation

/// A JSON Web Key (RFC 7517), public parts only.
public struct JWK: Sendable, Codable, Equatable {
    public var kty: String
    public var crv: String?
    public var x: String?
    public var y: String?
    public var n: String?
    public var e: String?
    public var kid: String?
    public var use: String?
    public var alg: String?
    /// Private parameters are refused on input: a JWK Set registered with Tessera holds public keys only.
    public var d: String?

    public init(
        kty: String, crv: String? = nil, x: String? = nil, y: String? = nil, n: String? = nil, e: String? = nil,
        kid: String? = nil, use: String? = nil, alg: String? = nil
    ) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.y = y
        self.n = n
        self.e = e
        self.kid = kid
        self.use = use
        self.alg = alg
    }
}

/// A JSON Web Key Set.
public struct JWKSet: Sendable, Codable, Equatable {
    public var keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys }

    /// Parses a JWK Set, refusing private keys and keys Tessera cannot use.
    public static func parse(_ json: String) throws(TesseraCryptoError) -> JWKSet {
        guard json.utf8.count <= 64 * 1024 else { throw TesseraCryptoError(.malformedKey, "JWK Set is larger than 64 KiB") }
        let set: JWKSet
        do {
            set = try JSONDecoder().decode(JWKSet.self, from: Data(json.utf8))
        } catch {
            throw TesseraCryptoError(.malformedKey, "not a JWK Set")
        }
        guard !set.keys.isEmpty, set.keys.count <= 16 else {
            throw TesseraCryptoError(.malformedKey, "a JWK Set must hold 1 to 16 keys")
        }
        for key in set.keys {
            guard key.d == nil else { throw TesseraCryptoError(.malformedKey, "JWK Set contains a private key") }
            _ = try VerificationKey(jwk: key)
        }
        return set
    }

    /// Canonical JSON (sorted keys) for storage.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{\"keys\":[]}".utf8), as: UTF8.self)
    }
}
