import Foundation

/// A JWS in compact serialization, parsed but not yet trusted.
public struct CompactJWS: Sendable {
    /// Longest token accepted; larger input is refused before any decoding.
    public static let maximumLength = 16 * 1024

    public let header: JOSEHeader
    /// The validated algorithm named by the header.
    public let algorithm: JWSAlgorithm
    /// The decoded payload bytes (a JSON claim set for a JWT).
    public let payload: Data
    public let signature: Data
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes that were signed.
    public let signingInput: Data

    public init(parsing token: String) throws(TesseraCryptoError) {
        guard token.utf8.count <= Self.maximumLength else {
            throw TesseraCryptoError(.malformedJWS, "token is longer than \(Self.maximumLength) bytes")
        }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TesseraCryptoError(.malformedJWS, "a JWS in compact form has exactly three parts")
        }
        guard let headerBytes = Base64URL.decode(String(decoding: parts[0], as: UTF8.self)),
            let payload = Base64URL.decode(String(decoding: parts[1], as: UTF8.self)),
            let signature = Base64URL.decode(String(decoding: parts[2], as: UTF8.self))
        else {
            throw TesseraCryptoError(.malformedJWS, "a JWS part is not base64url")
        }
        let header: JOSEHeader
        do {
            header = try JOSEHeader(JOSEObject(parsing: headerBytes, what: "the JWS header"))
        } catch {
            throw TesseraCryptoError(.malformedJWS, "the JWS header is not a JSON object with an alg")
        }
        if let crit = header.crit, !crit.isEmpty {
            throw TesseraCryptoError(.malformedJWS, "critical header parameters are not supported")
        }
        guard let algorithm = JWSAlgorithm(rawValue: header.alg) else {
            throw TesseraCryptoError(.unsupportedAlgorithm, "alg '\(header.alg.prefix(16))' is not accepted")
        }
        self.header = header
        self.algorithm = algorithm
        self.payload = payload
        self.signature = signature
        self.signingInput = Data(token.utf8[..<parts[1].endIndex])
    }

    /// Verifies the signature against a key set. With a `kid`, only the key of that id is tried; without
    /// one, every key whose type matches the algorithm.
    public func verify(with keys: [KeyedVerificationKey]) throws(TesseraCryptoError) {
        let candidates: [KeyedVerificationKey]
        if let kid = header.kid {
            candidates = keys.filter { $0.kid == kid }
            guard !candidates.isEmpty else { throw TesseraCryptoError(.unknownKey, "no registered key has this kid") }
        } else {
            candidates = keys
        }
        let typed = candidates.filter { $0.key.algorithms.contains(algorithm) }
        guard !typed.isEmpty else {
            throw TesseraCryptoError(.unsupportedAlgorithm, "alg \(algorithm.rawValue) does not match the registered key type")
        }
        for candidate in typed
        where candidate.key.verify(signature: signature, signingInput: signingInput, algorithm: algorithm) {
            return
        }
        throw TesseraCryptoError(.badSignature, "signature verification failed")
    }
}

/// A verification key with the key id it is published under.
public struct KeyedVerificationKey: Sendable {
    public let kid: String?
    public let key: VerificationKey

    public init(kid: String?, key: VerificationKey) {
        self.kid = kid
        self.key = key
    }

    /// Every key of a JWK Set.
    public static func from(_ set: JWKSet) throws(TesseraCryptoError) -> [KeyedVerificationKey] {
        var keys: [KeyedVerificationKey] = []
        for jwk in set.keys { keys.append(KeyedVerificationKey(kid: jwk.kid, key: try VerificationKey(jwk: jwk))) }
        return keys
    }
}
