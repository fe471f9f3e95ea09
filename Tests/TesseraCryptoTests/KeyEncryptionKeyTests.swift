import Crypto
import Foundation
import Testing

@testable import TesseraCrypto

@Test func sealedDataOpensOnlyWithTheSameKeyAndContext() throws {
    let (kek, encoded) = KeyEncryptionKey.generate()
    let secret = Data("private scalar".utf8)
    let sealed = try kek.seal(secret, context: "signing-key:abc")
    #expect(!sealed.range(of: secret).map { _ in true }.isSome)
    #expect(try kek.open(sealed, context: "signing-key:abc") == secret)
    #expect(throws: TesseraCryptoError.self) { try kek.open(sealed, context: "signing-key:other") }
    let (other, _) = KeyEncryptionKey.generate()
    #expect(throws: TesseraCryptoError.self) { try other.open(sealed, context: "signing-key:abc") }
    let reparsed = try KeyEncryptionKey(encoded: encoded + "\n")
    #expect(try reparsed.open(sealed, context: "signing-key:abc") == secret)
}

@Test func kekEncodingsAreCheckedForLength() throws {
    _ = try KeyEncryptionKey(encoded: String(repeating: "ab", count: 32))
    #expect(throws: TesseraCryptoError.self) { try KeyEncryptionKey(encoded: "c2hvcnQ=") }
    #expect(throws: TesseraCryptoError.self) { try KeyEncryptionKey(encoded: "not base64 at all!") }
}

@Test func pemPublicKeysOfEverySupportedTypeParse() throws {
    let p256 = P256.Signing.PrivateKey()
    #expect(try VerificationKey(pem: p256.publicKey.pemRepresentation).algorithms == [.es256])
    let p384 = P384.Signing.PrivateKey()
    #expect(try VerificationKey(pem: p384.publicKey.pemRepresentation).algorithms == [.es384])
    let ed = Curve25519.Signing.PrivateKey()
    let spki = Data([0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]) + ed.publicKey.rawRepresentation
    #expect(try VerificationKey(pem: PEM.encode(spki, label: "PUBLIC KEY")).algorithms == [.eddsa])
    #expect(throws: TesseraCryptoError.self) { try VerificationKey(pem: p256.pemRepresentation) }
    #expect(throws: TesseraCryptoError.self) {
        try VerificationKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
    }
}

@Test func jwkSetsRefusePrivateAndUnknownKeys() throws {
    let jwk = VerificationKey.p256(P256.Signing.PrivateKey().publicKey).jwk()
    let good = JWKSet(keys: [jwk]).json()
    #expect(try JWKSet.parse(good).keys.count == 1)
    var withPrivate = jwk
    withPrivate.d = "AAAA"
    let privateJSON = String(decoding: try JSONEncoder().encode(JWKSet(keys: [withPrivate])), as: UTF8.self)
    #expect(throws: TesseraCryptoError.self) { try JWKSet.parse(privateJSON) }
    #expect(throws: TesseraCryptoError.self) { try JWKSet.parse("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}") }
    #expect(throws: TesseraCryptoError.self) { try JWKSet.parse("{\"keys\":[]}") }
    #expect(throws: TesseraCryptoError.self) { try JWKSet.parse("nonsense") }
}

extension Optional {
    var isSome: Bool { self != nil }
}
