import Crypto
import Foundation
import TesseraCore
import Testing
import X509

@testable import TesseraCrypto

private let now = Date(timeIntervalSince1970: 1_800_000_000)

@Test func bundleDocumentHasSPIFFEShapeAndRoundTrips() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let key = SigningKey.generate()
    let bundle = SPIFFEBundle(
        trustDomain: "example.org", x509Authorities: [try ca.certificate.derBytes()], jwtAuthorities: [key.publicJWK],
        sequence: 7, refreshHint: 300)
    let object = try #require(try JSONSerialization.jsonObject(with: bundle.json()) as? [String: Any])
    #expect(object["spiffe_sequence"] as? Int == 7)
    #expect(object["spiffe_refresh_hint"] as? Int == 300)
    let keys = try #require(object["keys"] as? [[String: Any]])
    let x509 = try #require(keys.first { $0["use"] as? String == "x509-svid" })
    #expect((x509["x5c"] as? [String])?.count == 1)
    #expect(x509["kty"] as? String == "EC")
    let jwt = try #require(keys.first { $0["use"] as? String == "jwt-svid" })
    #expect(jwt["kid"] as? String == key.kid)

    let parsed = try SPIFFEBundle.parse(bundle.json(), trustDomain: "example.org")
    #expect(parsed == bundle)
    let jwks = try #require(try JSONSerialization.jsonObject(with: bundle.jwtJWKSetJSON()) as? [String: Any])
    #expect((jwks["keys"] as? [Any])?.count == 1)
    #expect(bundle.concatenatedX509DER == Data(try ca.certificate.derBytes()))
}

@Test func bundleParserRefusesBrokenEntries() {
    let noKid = #"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","use":"jwt-svid"}]}"#
    #expect(throws: TesseraCryptoError.self) { try SPIFFEBundle.parse(Data(noKid.utf8), trustDomain: "a.org") }
    let badCert = #"{"keys":[{"kty":"EC","use":"x509-svid","x5c":["AAAA"]}]}"#
    #expect(throws: TesseraCryptoError.self) { try SPIFFEBundle.parse(Data(badCert.utf8), trustDomain: "a.org") }
    #expect(throws: TesseraCryptoError.self) { try SPIFFEBundle.parse(Data("[]".utf8), trustDomain: "a.org") }
    // Unknown uses are ignored.
    let unknown = #"{"keys":[{"kty":"EC","use":"future"}],"spiffe_sequence":3}"#
    #expect((try? SPIFFEBundle.parse(Data(unknown.utf8), trustDomain: "a.org"))?.sequence == 3)
}

@Test func jwtSVIDSignsAndValidates() throws {
    let key = SigningKey.generate()
    let bundle = SPIFFEBundle(
        trustDomain: "example.org", x509Authorities: [], jwtAuthorities: [key.publicJWK], sequence: 1, refreshHint: 300)
    let id = try SPIFFEID(parsing: "spiffe://example.org/web")
    let svid = try JWTSVID.sign(spiffeID: id, audience: ["db"], key: key, now: now, ttl: 300)
    let header =
        try JSONSerialization.jsonObject(with: Base64URL.decode(String(svid.token.split(separator: ".")[0]))!) as? [String: Any]
    #expect(header?["typ"] as? String == "JWT")
    #expect(header?["kid"] as? String == key.kid)
    let valid = try JWTSVID.validate(svid.token, audience: "db", bundles: ["example.org": bundle], now: now)
    #expect(valid.spiffeID == id)
    let claims = try JSONSerialization.jsonObject(with: valid.claimsJSON) as? [String: Any]
    #expect(claims?["jti"] as? String == svid.jti)
    #expect(throws: TesseraCryptoError.self) {
        try JWTSVID.validate(svid.token, audience: "other", bundles: ["example.org": bundle], now: now)
    }
    #expect(throws: TesseraCryptoError.self) {
        try JWTSVID.validate(svid.token, audience: "db", bundles: ["example.org": bundle], now: now.addingTimeInterval(400))
    }
    #expect(throws: TesseraCryptoError.self) {
        try JWTSVID.validate(svid.token, audience: "db", bundles: [:], now: now)
    }
    #expect(throws: TesseraCryptoError.self) { try JWTSVID.sign(spiffeID: id, audience: [], key: key, now: now, ttl: 60) }
}

@Test func nodeProofBindsTheSVIDKey() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let key = P256.Signing.PrivateKey()
    let chain = try ca.issueX509SVID(
        spiffeID: try SPIFFEID(parsing: "spiffe://example.org/tessera/agent/n1"),
        publicKey: Certificate.PublicKey(key.publicKey), now: now, ttl: 3600)
    let bound = NodeProof.Binding(method: "GET", path: "/agent/v1/entries", body: Data())
    let proof = try NodeProof.sign(key: key, chain: chain, audience: "http://s/agent", binding: bound, now: now)
    let verified = try NodeProof.verify(
        proof, authorities: [ca.certificate], audience: "http://s/agent", binding: bound, now: now)
    #expect(verified.spiffeID.path == "/tessera/agent/n1")
    #expect(!verified.jti.isEmpty)
    #expect(throws: TesseraCryptoError.self) {
        try NodeProof.verify(proof, authorities: [ca.certificate], audience: "http://other/agent", binding: bound, now: now)
    }
    #expect(throws: TesseraCryptoError.self) {
        try NodeProof.verify(
            proof, authorities: [ca.certificate], audience: "http://s/agent", binding: bound, now: now.addingTimeInterval(300))
    }
    for other in [
        NodeProof.Binding(method: "POST", path: "/agent/v1/entries", body: Data()),
        NodeProof.Binding(method: "GET", path: "/agent/v1/bundles", body: Data()),
        NodeProof.Binding(method: "GET", path: "/agent/v1/entries", body: Data("{}".utf8)),
    ] {
        #expect(throws: TesseraCryptoError.self) {
            try NodeProof.verify(proof, authorities: [ca.certificate], audience: "http://s/agent", binding: other, now: now)
        }
    }
    let stranger = P256.Signing.PrivateKey()
    let forged = try NodeProof.sign(key: stranger, chain: chain, audience: "http://s/agent", binding: bound, now: now)
    #expect(throws: TesseraCryptoError.self) {
        try NodeProof.verify(forged, authorities: [ca.certificate], audience: "http://s/agent", binding: bound, now: now)
    }
}
