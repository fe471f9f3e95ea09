import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing
import X509

/// SPIFFE federation at the mTLS token endpoint: a workload of a federated trust domain (another Tessera server
/// here) authenticates with its own domain's X.509-SVID when the inventory holds an identity with that SPIFFE ID.
/// The attacks: a federated CA vouching for this domain's IDs, this domain's CA for theirs, an unfederated domain.
///
/// Part of the serialized `MutualTLSTests` suite (its curl helpers). curl runs through `ChildProcess`, off the
/// cooperative threads: blocked on it, two suites at once on 2 cores left none for the servers' TLS verification
/// callbacks (seen: curl's "Empty reply from server" until it gave up).
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
        let folder = try await MutualTLSTests.serverCertificate()
        let partner = try await TestServer.start { $0.trustDomain = "partner.test" }
        let server = try await TestServer.start { configuration in
            configuration.tlsCertificatePath = folder + "/server.pem"
            configuration.tlsKeyPath = folder + "/server-key.pem"
            configuration.tlsPort = 0
            configuration.federation.networkPolicy.allowPrivateNetworks = true
        }

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
        var reply = try await MutualTLSTests.token(
            server, folder: folder, certificate: "partner", fields: ["grant_type": "client_credentials"])
        // The federated roots are cached for a few seconds after the federation was added.
        for _ in 0..<20 where reply.status != 200 {
            try await Task.sleep(for: .milliseconds(500))
            reply = try await MutualTLSTests.token(
                server, folder: folder, certificate: "partner", fields: ["grant_type": "client_credentials"])
        }
        eventually = reply.status == 200
        #expect(eventually, "\(reply)")
        let token = try #require(reply.json["access_token"] as? String)
        let claims = try JWTClaims.decode(try CompactJWS(parsing: token).payload)
        #expect(claims.sub == "spiffe://partner.test/ci")
        #expect(claims.cnf?.x5tS256 == ClientCertificateAuthenticator.thumbprint(of: try chain[0].derBytes()))

        // The partner's genuine CA forging an SVID of this trust domain: refused (its roots vouch for partner.test only).
        let (crossChain, crossKey) = try forge(
            "spiffe://example.org/victim", by: partner.spiffe.state.authority.ca, now: server.clock.now())
        try write(crossChain, key: crossKey, folder: folder, name: "cross")
        reply = try await MutualTLSTests.token(
            server, folder: folder, certificate: "cross", fields: ["grant_type": "client_credentials"])
        #expect(reply.curl != 0 || reply.status == 401, "\(reply.json)")
        #expect(reply.json["access_token"] == nil)

        // This trust domain's CA forging a partner SVID: refused (only the partner's bundle vouches for partner.test).
        let (ownChain, ownKey) = try forge(
            "spiffe://partner.test/ci", by: server.spiffe.state.authority.ca, now: server.clock.now())
        try write(ownChain, key: ownKey, folder: folder, name: "own-forged")
        reply = try await MutualTLSTests.token(
            server, folder: folder, certificate: "own-forged", fields: ["grant_type": "client_credentials"])
        #expect(reply.curl != 0 || reply.status == 401, "\(reply.json)")
        #expect(reply.json["access_token"] == nil)

        // A domain nobody federated with, even with an identity name that looks like the partner's.
        let stranger = try TrustDomainCA.generateRoot(trustDomain: "stranger.test", now: server.clock.now(), lifetime: 86_400)
        let strangerKey = P256.Signing.PrivateKey()
        let strangerChain = try stranger.issueX509SVID(
            spiffeID: try SPIFFEID(parsing: "spiffe://stranger.test/ci"), publicKey: Certificate.PublicKey(strangerKey.publicKey),
            now: server.clock.now(), ttl: 3600)
        try write(strangerChain, key: strangerKey, folder: folder, name: "stranger")
        reply = try await MutualTLSTests.token(
            server, folder: folder, certificate: "stranger", fields: ["grant_type": "client_credentials"])
        #expect(reply.curl != 0 || reply.status == 401, "\(reply.json)")
        #expect(reply.json["access_token"] == nil)
        #expect(try await identity(server, "spiffe://stranger.test/ci").status == 400)
    }

    /// The `https_spiffe` bundle endpoint profile: the partner serves its bundle over TLS with an X.509-SVID of its own
    /// trust domain; this server authenticates it with the partner bundle given out of band, and the SPIFFE ID.
    @Test func anHTTPSSPIFFEBundleEndpointIsAuthenticatedByItsSVID() async throws {
        let folder = try await Self.serverCertificate()
        let first = try await TestServer.start { $0.trustDomain = "partner.test" }
        let endpointID = "spiffe://partner.test/bundle-endpoint"
        let key = P256.Signing.PrivateKey()
        let chain = try first.spiffe.state.authority.ca.issueX509SVID(
            spiffeID: try SPIFFEID(parsing: endpointID), publicKey: Certificate.PublicKey(key.publicKey), now: Date(), ttl: 3600)
        try write(chain, key: key, folder: folder, name: "endpoint")
        let bundle = try #require(
            try JSONSerialization.jsonObject(with: try await first.send("GET", "/bundle").body) as? [String: Any])
        await first.stop()
        // The partner again, now serving its bundle over TLS with that SVID (https_spiffe).
        let partner = try await TestServer.start(dataDirectory: first.dataDirectory, kek: first.kek) { configuration in
            configuration.trustDomain = "partner.test"
            configuration.tlsCertificatePath = folder + "/endpoint.pem"
            configuration.tlsKeyPath = folder + "/endpoint-key.pem"
            configuration.tlsPort = 0
        }
        let server = try await TestServer.start { $0.federation.networkPolicy.allowPrivateNetworks = true }
        let url = try #require(partner.tlsBase) + "/bundle"
        func federate(_ extra: [String: Any]) async throws -> TestServer.Reply {
            var body: [String: Any] = [
                "trust_domain": "partner.test", "bundle_endpoint_url": url, "bundle_endpoint_profile": "https_spiffe",
            ]
            body.merge(extra) { $1 }
            return try await server.admin("POST", "/v1/federation", json: body)
        }

        // No bundle of partner.test known yet and none given: nothing can authenticate the endpoint.
        var reply = try await federate(["endpoint_spiffe_id": endpointID])
        #expect(reply.status == 400)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("trust_bundle"))

        // The endpoint presents a different SPIFFE ID than the one configured: not fetched.
        reply = try await federate(["endpoint_spiffe_id": "spiffe://partner.test/someone-else", "trust_bundle": bundle])
        #expect(reply.status == 201)
        #expect(reply.json["fetched"] as? Bool == false, "\(reply.json)")

        // A bundle from another CA (an attacker's idea of partner.test): the genuine endpoint does not verify against it.
        let impostor = try TrustDomainCA.generateRoot(trustDomain: "partner.test", now: Date(), lifetime: 86_400)
        let impostorBundle = SPIFFEBundle(
            trustDomain: "partner.test", x509Authorities: [try impostor.certificate.derBytes()], jwtAuthorities: [], sequence: 1,
            refreshHint: 300)
        let impostorJSON = try #require(try JSONSerialization.jsonObject(with: impostorBundle.json()) as? [String: Any])
        reply = try await federate(["endpoint_spiffe_id": endpointID, "trust_bundle": impostorJSON])
        #expect(reply.json["fetched"] as? Bool == false, "\(reply.json)")

        // The right bundle and ID: fetched over https_spiffe, and the listing says how.
        reply = try await federate(["endpoint_spiffe_id": endpointID, "trust_bundle": bundle])
        #expect(reply.json["fetched"] as? Bool == true, "\(reply.json)")
        let listing = try await server.admin("GET", "/v1/federation")
        let item = try #require(
            (listing.json["federations"] as? [[String: Any]])?.first ?? (listing.json["items"] as? [[String: Any]])?.first)
        #expect(item["bundle_endpoint_profile"] as? String == "https_spiffe")
        #expect(item["endpoint_spiffe_id"] as? String == endpointID)
        #expect(item["last_error"] == nil || item["last_error"] is NSNull)

        // Bad input.
        for body in [
            ["bundle_endpoint_profile": "ftp"], ["endpoint_spiffe_id": "not-a-spiffe-id", "trust_bundle": bundle],
            ["endpoint_spiffe_id": "spiffe://example.org/self", "trust_bundle": bundle],
        ] as [[String: Any]] {
            #expect(try await federate(body).status == 400, "\(body)")
        }
        let web = try await server.admin(
            "POST", "/v1/federation", json: ["trust_domain": "other.test", "bundle_endpoint_url": url, "trust_bundle": bundle])
        #expect(web.status == 400, "https_web takes no trust_bundle")
    }
}
