import Crypto
import Foundation
import TesseraCore
import Testing
import X509

@testable import TesseraCrypto

private let now = Date(timeIntervalSince1970: 1_800_000_000)
private let audience = "http://s/agent"
private let binding = NodeProof.Binding(method: "GET", path: "/agent/v1/entries", body: Data())

private func nodeChain(_ ca: TrustDomainCA, key: P256.Signing.PrivateKey, node: String = "n1") throws -> [Certificate] {
    try ca.issueX509SVID(
        spiffeID: try SPIFFEID(parsing: "spiffe://example.org/tessera/agent/\(node)"),
        publicKey: Certificate.PublicKey(key.publicKey), now: now, ttl: 3600)
}

@Test func aKeptChainStillNeedsTheProofSignedByItsKey() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let key = P256.Signing.PrivateKey()
    let chain = try nodeChain(ca, key: key)
    let chains = VerifiedSVIDChains()
    let proof = try NodeProof.sign(key: key, chain: chain, audience: audience, binding: binding, now: now)
    let first = try NodeProof.verify(
        proof, authorities: [ca.certificate], audience: audience, binding: binding, now: now, chains: chains)
    #expect(chains.count == 1)
    let again = try NodeProof.sign(key: key, chain: chain, audience: audience, binding: binding, now: now)
    let second = try NodeProof.verify(
        again, authorities: [ca.certificate], audience: audience, binding: binding, now: now, chains: chains)
    #expect(first.spiffeID == second.spiffeID)
    #expect(chains.count == 1)
    // The same chain, now kept, with a proof signed by a key that is not the SVID's: refused.
    let forged = try NodeProof.sign(key: P256.Signing.PrivateKey(), chain: chain, audience: audience, binding: binding, now: now)
    #expect(throws: TesseraCryptoError.self) {
        try NodeProof.verify(
            forged, authorities: [ca.certificate], audience: audience, binding: binding, now: now, chains: chains)
    }
}

@Test func aKeptChainIsVerifiedAgainWhenTheAuthoritiesOrTheTimeChange() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let other = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let chain = try nodeChain(ca, key: P256.Signing.PrivateKey())
    let x5c = try chain.map { Data(try $0.derBytes()).base64EncodedString() }
    let chains = VerifiedSVIDChains()
    let (id, _) = try chains.verify(x5c: x5c, authorities: [ca.certificate], now: now)
    #expect(id.path == "/tessera/agent/n1")
    // The CA was rotated away (or a bundle dropped it): the kept chain does not answer for other roots.
    #expect(throws: TesseraCryptoError.self) { try chains.verify(x5c: x5c, authorities: [other.certificate], now: now) }
    // Past the SVID's lifetime, and before it: verified in full again, and refused.
    #expect(throws: TesseraCryptoError.self) {
        try chains.verify(x5c: x5c, authorities: [ca.certificate], now: now.addingTimeInterval(7200))
    }
    #expect(throws: TesseraCryptoError.self) {
        try chains.verify(x5c: x5c, authorities: [ca.certificate], now: now.addingTimeInterval(-3600))
    }
    // Still good for the roots and time it was verified for.
    #expect(try chains.verify(x5c: x5c, authorities: [ca.certificate], now: now.addingTimeInterval(60)).0 == id)
}

@Test func onlyVerifiedChainsAreKeptAndTheirNumberIsBounded() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let stranger = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let chains = VerifiedSVIDChains(capacity: 2)
    let foreign = try nodeChain(stranger, key: P256.Signing.PrivateKey()).map { Data(try $0.derBytes()).base64EncodedString() }
    #expect(throws: TesseraCryptoError.self) { try chains.verify(x5c: foreign, authorities: [ca.certificate], now: now) }
    #expect(chains.count == 0)
    for node in ["a", "b", "c", "d", "e"] {
        let x5c = try nodeChain(ca, key: P256.Signing.PrivateKey(), node: node).map {
            Data(try $0.derBytes()).base64EncodedString()
        }
        _ = try chains.verify(x5c: x5c, authorities: [ca.certificate], now: now)
        #expect(chains.count <= 2)
    }
}

/// One chain has one entry (keyed by its certificates, not their text), and a chain that repeats a certificate is refused
/// (attacker review: each spelling of one chain took an entry, so one node could empty the set).
@Test func oneChainIsOneEntryHoweverItIsSpelled() throws {
    let ca = try TrustDomainCA.generateRoot(trustDomain: "example.org", now: now, lifetime: 86_400)
    let x5c = try nodeChain(ca, key: P256.Signing.PrivateKey()).map { Data(try $0.derBytes()).base64EncodedString() }
    let chains = VerifiedSVIDChains()
    _ = try chains.verify(x5c: x5c, authorities: [ca.certificate], now: now)
    _ = try chains.verify(x5c: x5c.map { String($0) }, authorities: [ca.certificate], now: now.addingTimeInterval(1))
    #expect(chains.count == 1)
    #expect(throws: TesseraCryptoError.self) { try chains.verify(x5c: x5c + x5c, authorities: [ca.certificate], now: now) }
    #expect(chains.count == 1)
}
