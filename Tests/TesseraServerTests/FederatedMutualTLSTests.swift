import Crypto
import Foundation
import Testing
import TesseraCore
import TesseraCrypto
import TesseraServer
import X509

/// SPIFFE federation at the mTLS token endpoint: a workload of a federated trust domain (another Tessera server
/// here) authenticates with its own domain's X.509-SVID when the inventory holds an identity with that SPIFFE ID.
/// The attacks: a federated CA vouching for this domain's IDs, this domain's CA for theirs, an unfederated domain.
///
/// Part of the serialized `MutualTLSTests` suite on purpose: curl runs blocking (`Process.waitUntilExit`) on a
/// cooperative thread, and two suites doing so at once on a 2-core machine leave no thread for the servers' TLS
/// verification callbacks (seen: curl's "Empty reply from server" until it gave up).
extension MutualTLSTests {
    /// Writes `chain` and `key` as `NAME.pem` and `NAME-key.pem` in `folder`.
    private func write(_ chain: [Certificate], key: P256.Signing.PrivateKey, folder: String, name: String) throws {
        try chain.map { try $0.pemString() }.joined(separator: "\n").write(
            toFile: folder + "/\(name).pem", atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: folder + "/\(name)-key.pem", atomically: true, encoding: .utf8)
    }

    /// An X.509-SVID for `spiffeID` signed by `ca`, whatever the CA's own trust domain (an attacker's forgery).
    private func forge(_ spiffeID: String, by ca: TrustDomainCA, now: Date) throws -> ([Certificate], P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let signer = Certificate.PrivateKey(try P256.Signing.PrivateKey(rawRepresentation: ca.rawPrivateKey))
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-30), notValidAfter: now.addingTimeInterval(3600),
            issuer: ca.certificate.subject, subject: try DistinguishedName { OrganizationName("Forged") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames([.uniformResourceIdentifier(spiffeID)])
            },
            issuerPrivateKey: signer)
        return ([leaf], key)
    }

    private func identity(_ server: TestServer, _ spiffeID: String) async throws -> TestServer.Reply {
        try await server.admin(
            "POST", "/v1/identities",
            json: [
                "spiffe_id": spiffeID, "kind": "service", "owner": "partner-team@example.com", "purpose": "federated CI job",
                "auth_methods": ["tls_client_auth"],
            ])
    }

    @Test func aFederatedWorkloadAuthenticatesWithItsOwnDomainsSVID() async throws {
        let folder = try MutualTLSTests.serverCertificate()
        let partner = try await TestServer.start { $0.trustDomain = "partner.test" }
        defer { Task { await partner.stop() } }
        let server = try await TestServer.start { configuration in
            configuration.tlsCertificatePath = folder + "/server.pem"
            configuration.tlsKeyPath = folder + "/server-key.pem"
            configuration.tlsPort = 0
            configuration.federation.networkPolicy.allowPrivateNetworks = true
        }
        defer { Task { await server.stop() } }

        // Before federation, a partner identity cannot even be registered.
        let early = try await identity(server, "spiffe://partner.test/ci")
        #expect(early.status == 400)
        #expect(String(decoding: early.body, as: UTF8.self).contains("federated"))

        let federated = try await server.admin(
            "POST", "/v1/federation", json: ["trust_domain": "partner.test", "bundle_endpoint_url": partner.base + "/bundle"])
        #expect(federated.status == 200 || federated.status == 201, "\(String(decoding: federated.body, as: UTF8.self))")
        #expect(try await identity(server, "spiffe://partner.test/ci").status == 201)
        #expect(try await identity(server, "spiffe://example.org/victim").status == 201)

        // The partner's own SVID (issued by its CA, in the bundle this server fetched): a token for that identity.
        let key = P256.Signing.PrivateKey()
        let chain = try partner.spiffe.state.authority.ca.issueX509SVID(
            spiffeID: try SPIFFEID(parsing: "spiffe://partner.test/ci"), publicKey: Certificate.PublicKey(key.publicKey),
            now: partner.clock.now(), ttl: 3600)
        try write(chain, key: key, folder: folder, name: "partner")
        var eventually = false
        var reply = try MutualTLSTests.token(server, folder: folder, certificate: "partner", fields: ["grant_type": "client_credentials"])
        // The federated roots are cached for a few seconds after the federation was added.
        for _ in 0..<20 where reply.status != 200 {
            try await Task.sleep(for: .milliseconds(500))
            reply = try MutualTLSTests.token(server, folder: folder, certificate: "partner", fields: ["grant_type": "client_credentials"])
        }
        eventually = reply.status == 200
        #expect(eventually, "\(reply)")
        let token = try #require(reply.json["access_token"] as? String)
        let claims = try JWTClaims.decode(try CompactJWS(parsing: token).payload)
        #expect(claims.sub == "spiffe://partner.test/ci")
        #expect(claims.cnf?.x5tS256 == ClientCertificateAuthenticator.thumbprint(of: try chain[0].derBytes()))

        // The partner's genuine CA forging an SVID of this trust domain: refused (its roots vouch for partner.test only).
        let (crossChain, crossKey) = try forge("spiffe://example.org/victim", by: partner.spiffe.state.authority.ca, now: server.clock.now())
        try write(crossChain, key: crossKey, folder: folder, name: "cross")
        reply = try MutualTLSTests.token(server, folder: folder, certificate: "cross", fields: ["grant_type": "client_credentials"])
        #expect(reply.curl != 0 || reply.status == 401, "\(reply.json)")
        #expect(reply.json["access_token"] == nil)

        // This trust domain's CA forging a partner SVID: refused (only the partner's bundle vouches for partner.test).
        let (ownChain, ownKey) = try forge("spiffe://partner.test/ci", by: server.spiffe.state.authority.ca, now: server.clock.now())
        try write(ownChain, key: ownKey, folder: folder, name: "own-forged")
        reply = try MutualTLSTests.token(server, folder: folder, certificate: "own-forged", fields: ["grant_type": "client_credentials"])
        #expect(reply.curl != 0 || reply.status == 401, "\(reply.json)")
        #expect(reply.json["access_token"] == nil)

        // A domain nobody federated with, even with an identity name that looks like the partner's.
        let stranger = try TrustDomainCA.generateRoot(trustDomain: "stranger.test", now: server.clock.now(), lifetime: 86_400)
        let strangerKey = P256.Signing.PrivateKey()
        let strangerChain = try stranger.issueX509SVID(
            spiffeID: try SPIFFEID(parsing: "spiffe://stranger.test/ci"), publicKey: Certificate.PublicKey(strangerKey.publicKey),
            now: server.clock.now(), ttl: 3600)
        try write(strangerChain, key: strangerKey, folder: folder, name: "stranger")
        reply = try MutualTLSTests.token(server, folder: folder, certificate: "stranger", fields: ["grant_type": "client_credentials"])
        #expect(reply.curl != 0 || reply.status == 401, "\(reply.json)")
        #expect(reply.json["access_token"] == nil)
        #expect(try await identity(server, "spiffe://stranger.test/ci").status == 400)
    }
}
