import Crypto
import Foundation
import SwiftASN1
import TesseraCore
import Testing
import X509

@testable import TesseraCrypto

private let now = Date(timeIntervalSince1970: 1_800_000_000)

private func svid(_ ca: TrustDomainCA, _ id: String = "spiffe://example.org/web", ttl: TimeInterval = 3600) throws
    -> (P256.Signing.PrivateKey, [Certificate])
{
    let key = P256.Signing.PrivateKey()
    let chain = try ca.issueX509SVID(
        spiffeID: try SPIFFEID(parsing: id), publicKey: Certificate.PublicKey(key.publicKey), now: now, ttl: ttl)
    return (key, chain)
}

@Test func rootCAIsASelfSignedCAWithTheTrustDomainID() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400 * 30)
    let cert = try Certificate(derEncoded: try ca.certificate.derBytes())
    #expect(cert.issuer == cert.subject)
    #expect(try cert.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
    let usage = try #require(try cert.extensions.keyUsage)
    #expect(usage.keyCertSign && usage.cRLSign)
    #expect(
        try cert.extensions.subjectAlternativeNames
            == SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://example.org")]))
    #expect(cert.publicKey.isValidSignature(cert.signature, for: cert))
    #expect(ca.isRoot)
}

@Test func x509SVIDLeafFollowsTheSpecification() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400 * 30)
    let (_, chain) = try svid(ca)
    #expect(chain.count == 1)
    let leaf = try Certificate(derEncoded: try chain[0].derBytes())
    let sans = try #require(try leaf.extensions.subjectAlternativeNames)
    #expect(Array(sans) == [.uniformResourceIdentifier("spiffe://example.org/web")])
    #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
    let usage = try #require(try leaf.extensions.keyUsage)
    #expect(usage.digitalSignature && !usage.keyCertSign && !usage.cRLSign)
    #expect(leaf.extensions[oid: .X509ExtensionID.keyUsage]?.critical == true)
    #expect(leaf.notValidAfter == now.addingTimeInterval(3600))
    #expect(ca.certificate.publicKey.isValidSignature(leaf.signature, for: leaf))
    let id = try X509SVIDVerifier(authorities: [ca.certificate]).verify(chain: chain, now: now)
    #expect(id.description == "spiffe://example.org/web")
}

@Test func svidLifetimeIsCappedAndForeignTrustDomainsRefused() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400 * 30)
    let (_, chain) = try svid(ca, ttl: 86_400 * 365)
    #expect(chain[0].notValidAfter == now.addingTimeInterval(TrustDomainCA.maximumSVIDLifetime))
    #expect(throws: TesseraCryptoError.self) { try svid(ca, "spiffe://other.org/web") }
}

@Test func verifierRejectsExpiredOrForeignChains() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400 * 30)
    let other = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400 * 30)
    let (_, chain) = try svid(ca)
    #expect(throws: TesseraCryptoError.self) {
        try X509SVIDVerifier(authorities: [other.certificate]).verify(chain: chain, now: now)
    }
    #expect(throws: TesseraCryptoError.self) {
        try X509SVIDVerifier(authorities: [ca.certificate]).verify(chain: chain, now: now.addingTimeInterval(7200))
    }
    // A CA certificate is not an SVID.
    #expect(throws: TesseraCryptoError.self) { try X509SVIDVerifier.spiffeID(ofLeaf: ca.certificate) }
}

@Test func intermediateCAChainsToTheOperatorRoot() throws {
    let root = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400 * 365)
    let rootKey = Certificate.PrivateKey(try P256.Signing.PrivateKey(rawRepresentation: root.rawPrivateKey))
    let intermediate = try TrustDomainCA.generateIntermediate(
        trustDomain: "example.org", parentCertificate: root.certificate, parentKey: rootKey, now: now, lifetime: 86_400)
    #expect(!intermediate.isRoot)
    #expect(intermediate.rootCertificate == root.certificate)
    let (_, chain) = try svid(intermediate)
    #expect(chain.count == 2)
    let id = try X509SVIDVerifier(authorities: [root.certificate]).verify(chain: chain, now: now)
    #expect(id.path == "/web")
}

@Test func caRoundTripsThroughItsStoredForm() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let loaded = try TrustDomainCA(certificate: ca.certificate, rawPrivateKey: ca.rawPrivateKey)
    #expect(loaded.trustDomain == "example.org")
    let other = P256.Signing.PrivateKey()
    #expect(throws: TesseraCryptoError.self) {
        try TrustDomainCA(certificate: ca.certificate, rawPrivateKey: other.rawRepresentation)
    }
}

@Test func csrProvesPossessionAndMalformedCSRsAreRefused() throws {
    let key = P256.Signing.PrivateKey()
    let der = try CertificateRequest.make(for: key)
    #expect(try CertificateRequest.publicKey(fromDER: der) == Certificate.PublicKey(key.publicKey))
    var tampered = der
    tampered[tampered.count - 5] ^= 0xFF
    #expect(throws: TesseraCryptoError.self) { try CertificateRequest.publicKey(fromDER: tampered) }
    #expect(throws: TesseraCryptoError.self) { try CertificateRequest.publicKey(fromDER: [0x30, 0x03, 0x02, 0x01, 0x00]) }
    #expect(throws: TesseraCryptoError.self) { try CertificateRequest.publicKey(fromDER: []) }
}
