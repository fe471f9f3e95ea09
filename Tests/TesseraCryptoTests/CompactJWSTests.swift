import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import TesseraCrypto

private let now = Date(timeIntervalSince1970: 1_800_000_000)

private func assertion(_ key: PrivateSigningKey) throws -> String {
    try ClientAssertion.sign(clientID: "spiffe://example.org/a", audience: "https://as/token", key: key, now: now)
}

private func keyed(_ key: PrivateSigningKey) -> [KeyedVerificationKey] {
    [KeyedVerificationKey(kid: key.publicKey.jwk().kid, key: key.publicKey)]
}

@Test func signedAssertionsVerifyForEveryKeyType() throws {
    let keys: [PrivateSigningKey] = [
        .p256(P256.Signing.PrivateKey()), .p384(P384.Signing.PrivateKey()), .ed25519(Curve25519.Signing.PrivateKey()),
        .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)),
    ]
    for key in keys {
        let jws = try CompactJWS(parsing: try assertion(key))
        #expect(jws.algorithm == key.algorithm)
        try jws.verify(with: keyed(key))
        let claims = try JWTClaims.decode(jws.payload)
        #expect(claims.iss == "spiffe://example.org/a")
        #expect(claims.aud?.contains("https://as/token") == true)
    }
}

@Test func tamperedPayloadFailsVerification() throws {
    let key = PrivateSigningKey.p256(P256.Signing.PrivateKey())
    var parts = try assertion(key).split(separator: ".").map(String.init)
    parts[1] = Base64URL.encode(Data("{\"iss\":\"spiffe://example.org/evil\"}".utf8))
    let jws = try CompactJWS(parsing: parts.joined(separator: "."))
    #expect(throws: TesseraCryptoError(.badSignature, "signature verification failed")) { try jws.verify(with: keyed(key)) }
}

@Test func hostileHeadersAreRefused() throws {
    let key = PrivateSigningKey.p256(P256.Signing.PrivateKey())
    let parts = try assertion(key).split(separator: ".").map(String.init)
    for vector in try RFCVectors.load().hostileHeaders {
        let token = Base64URL.encode(Data(vector.header.utf8)) + "." + parts[1] + "." + parts[2]
        do {
            let jws = try CompactJWS(parsing: token)
            try jws.verify(with: keyed(key))
            Issue.record("\(vector.name) was accepted")
        } catch {
            #expect(error.code.rawValue == vector.error, "\(vector.name)")
        }
    }
}

@Test func algorithmConfusionIsImpossible() throws {
    // An RS256-signed token must not verify against an EC key, and an ES256 header must not select an RSA key.
    let rsa = PrivateSigningKey.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
    let ec = PrivateSigningKey.p256(P256.Signing.PrivateKey())
    let rsaToken = try CompactJWS(parsing: try assertion(rsa))
    let ecKeys = [KeyedVerificationKey(kid: nil, key: ec.publicKey)]
    #expect(throws: TesseraCryptoError.self) { try rsaToken.verify(with: ecKeys) }
    let ecToken = try CompactJWS(parsing: try assertion(ec))
    #expect(throws: TesseraCryptoError.self) { try ecToken.verify(with: [KeyedVerificationKey(kid: nil, key: rsa.publicKey)]) }
}

@Test func kidMustMatchARegisteredKey() throws {
    let key = PrivateSigningKey.p256(P256.Signing.PrivateKey())
    let jws = try CompactJWS(parsing: try assertion(key))
    let other = [KeyedVerificationKey(kid: "other", key: key.publicKey)]
    #expect(throws: TesseraCryptoError(.unknownKey, "no registered key has this kid")) { try jws.verify(with: other) }
}

@Test func malformedCompactFormsAreRefused() {
    for token in ["a.b", "a.b.c.d", "!!.e30.AA", "e30.e30", String(repeating: "a", count: 20_000) + ".e30.AA"] {
        #expect(throws: TesseraCryptoError.self, "\(token.prefix(20))") { try CompactJWS(parsing: token) }
    }
}

@Test func rfc8037Ed25519ExampleVerifies() throws {
    let vector = try RFCVectors.load().rfc8037Ed25519
    let jws = try CompactJWS(parsing: vector.jws)
    try jws.verify(with: [KeyedVerificationKey(kid: nil, key: try VerificationKey(jwk: vector.jwk))])
    #expect(String(decoding: jws.payload, as: UTF8.self) == "Example of Ed25519 signing")
}

@Test func rfc7638ThumbprintMatches() throws {
    let vector = try RFCVectors.load().rfc7638Thumbprint
    #expect(JWKThumbprint.compute(vector.jwk) == vector.thumbprint)
}

@Test func issuedAccessTokenHeaderIsExplicitlyTyped() throws {
    let key = SigningKey.generate()
    let token = try key.sign(claims: Data("{\"sub\":\"x\"}".utf8), typ: "at+jwt")
    let jws = try CompactJWS(parsing: token)
    #expect(jws.header.typ == "at+jwt")
    #expect(jws.header.kid == key.kid)
    try jws.verify(with: [KeyedVerificationKey(kid: key.kid, key: key.publicKey)])
}

@Test func rs256SigningKeysRoundTripThroughStorageAndRefuseAlgorithmConfusion() throws {
    let key = try SigningKey.generate(algorithm: .rs256)
    #expect(key.publicJWK.kty == "RSA" && key.publicJWK.alg == "RS256")
    let loaded = try SigningKey(rawPrivateKey: key.rawPrivateKey, algorithm: .rs256)
    #expect(loaded.kid == key.kid)
    let token = try loaded.sign(claims: Data("{\"sub\":\"x\"}".utf8), typ: "JWT")
    let jws = try CompactJWS(parsing: token)
    #expect(jws.algorithm == .rs256)
    try jws.verify(with: [KeyedVerificationKey(kid: key.kid, key: key.publicKey)])
    // The stored bytes of an RSA key are not a P-256 key, and the other way round: the stored algorithm decides.
    #expect(throws: TesseraCryptoError.self) { try SigningKey(rawPrivateKey: key.rawPrivateKey, algorithm: .es256) }
    #expect(throws: TesseraCryptoError.self) {
        try SigningKey(rawPrivateKey: SigningKey.generate().rawPrivateKey, algorithm: .rs256)
    }
    #expect(throws: TesseraCryptoError.self) { try SigningKey.generate(algorithm: .eddsa) }
    // An ES256 header on an RSA key's signature never verifies against the RSA key.
    let parts = token.split(separator: ".")
    let forgedHeader = Base64URL.encode(Data("{\"alg\":\"ES256\",\"kid\":\"\(key.kid)\"}".utf8))
    let forged = try CompactJWS(parsing: "\(forgedHeader).\(parts[1]).\(parts[2])")
    #expect(throws: TesseraCryptoError.self) { try forged.verify(with: [KeyedVerificationKey(kid: key.kid, key: key.publicKey)]) }
}

@Test func base64URLIsStrict() {
    #expect(Base64URL.decode("AQAB") == Data([1, 0, 1]))
    #expect(Base64URL.decode("AQ==") == nil)
    #expect(Base64URL.decode("A+B/") == nil)
    #expect(Base64URL.decode("A") == nil)
    #expect(Base64URL.encode(Data([0xFB, 0xFF])) == "-_8")
}

@Test func base64URLMatchesFoundationOnRandomInput() {
    var generator = SystemRandomNumberGenerator()
    for length in 0..<200 {
        let bytes = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let expected = bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(Base64URL.encode(bytes) == expected)
        #expect(Base64URL.decode(expected) == bytes)
    }
    #expect(Base64URL.decode("AR") == nil, "non-zero trailing bits are not canonical")
}
