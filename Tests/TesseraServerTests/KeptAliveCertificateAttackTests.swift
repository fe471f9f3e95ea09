import Crypto
import Foundation
import Synchronization
import TesseraCore
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing
import X509

@testable import TesseraServer

/// A kept-alive mTLS connection is re-checked on every request against the roots of *now* (attacker finding: after a
/// partner's bundle dropped its CA, an open connection with that CA's SVID kept getting tokens).
@Suite(.stopsServers) struct KeptAliveCertificateAttackTests {
    final class Roots: Sendable {
        let current: Mutex<[Certificate]>
        init(_ roots: [Certificate]) { current = Mutex(roots) }
    }

    @Test func aConnectionsChainIsVerifiedAgainTheRootsOfNow() async throws {
        let folder = NSTemporaryDirectory() + "tessera-keptalive-" + UUID().uuidString
        let database = try SQLiteStorage(directory: folder)
        let now = Date()
        let clock = ManualTimeSource(now)
        let partner = try TrustDomainCA.generateRoot(trustDomain: "partner.test", now: now, lifetime: 86_400)
        let replacement = try TrustDomainCA.generateRoot(trustDomain: "partner.test", now: now, lifetime: 86_400)
        let bundle = SPIFFEBundle(
            trustDomain: "partner.test", x509Authorities: [try partner.certificate.derBytes()], jwtAuthorities: [], sequence: 1,
            refreshHint: 300)
        try await database.spiffe.upsertFederation(
            trustDomain: "partner.test", endpointURL: "https://partner.test/bundle", now: now)
        try await database.spiffe.recordFederationFetch(trustDomain: "partner.test", bundle: bundle.json(), error: nil, now: now)
        try await database.identities.create(
            Identity(
                id: Identity.newID(), spiffeID: try SPIFFEID(parsing: "spiffe://partner.test/ci"), kind: .service,
                owner: "partner@example.com", purpose: "federated CI", jwks: Identity.noKeys, authMethods: [.tlsClientAuth],
                createdAt: now, updatedAt: now))
        let key = P256.Signing.PrivateKey()
        let chain = try partner.issueX509SVID(
            spiffeID: try SPIFFEID(parsing: "spiffe://partner.test/ci"), publicKey: Certificate.PublicKey(key.publicKey),
            now: now,
            ttl: 3600)
        let der = try chain[0].derBytes()
        let roots = Roots([partner.certificate])
        let chains = VerifiedChains()
        chains.remember(chain, thumbprint: ClientCertificateAuthenticator.thumbprint(of: der))
        var authenticator = ClientCertificateAuthenticator(
            identities: database.identities, trustDomain: "example.org", clock: clock,
            federated: FederatedRoots(repository: database.spiffe))
        authenticator.chains = chains
        authenticator.currentRoots = { _ in roots.current.withLock { $0 } }
        let form = FormBody(values: ["grant_type": "client_credentials"])

        let first = try await authenticator.authenticate(form, certificate: der)
        #expect(first.identity.clientID == "spiffe://partner.test/ci")
        // The partner's bundle now holds another CA only: the same connection's next request is refused.
        roots.current.withLock { $0 = [replacement.certificate] }
        do {
            _ = try await authenticator.authenticate(form, certificate: der)
            Issue.record("a certificate whose CA left the bundle still authenticated")
        } catch {
            #expect(error.error.description.contains("no longer verifies"), "\(error.error.description)")
        }
        // And its time is checked at the injected clock too.
        roots.current.withLock { $0 = [partner.certificate] }
        clock.advance(by: 7200)
        await #expect(throws: ClientAuthenticationFailure.self) { try await authenticator.authenticate(form, certificate: der) }
    }
}
