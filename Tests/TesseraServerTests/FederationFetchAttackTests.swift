import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// Server-side request forgery through federation fetches (docs/threat-model.md), performed over real HTTP:
/// stand-in issuers on loopback that redirect elsewhere or send endless documents, issuer URLs naming the
/// cloud metadata address or private networks, and exchanges naming issuers nobody configured.
@Suite(.stopsServers) struct FederationFetchAttackTests {
    /// What a remote caller must never learn about the network behind the server.
    static func leaks(_ body: Data, _ stubs: [StubIssuerServer]) -> [String] {
        let text = String(decoding: body, as: UTF8.self)
        var found = ["127.0.0.1", "302", "Found", "Location", "169.254"].filter(text.contains)
        found += stubs.map { String($0.port) }.filter(text.contains)
        return found
    }

    static var loopbackPolicy: FederationNetworkPolicy { FederationNetworkPolicy(allowPrivateNetworks: true) }

    @Test func redirectsAreNeverFollowed() async throws {
        let issuer = try StubIssuerServer()
        let elsewhere = try StubIssuerServer()
        defer {
            issuer.stop()
            elsewhere.stop()
        }
        elsewhere.serve("/jwks", ExternalIssuerKey(issuer: issuer.base, kid: "k1").jwksText)
        issuer.redirect("/jwks", to: elsewhere.base + "/jwks")
        // Even with loopback allowed, a redirect is a refusal, not a hop.
        let fetcher = HTTPDocumentFetcher(timeout: 2, policy: Self.loopbackPolicy)
        await #expect(throws: FetchError.self) { try await fetcher.get(issuer.base + "/jwks") }
        #expect(issuer.hits("/jwks") == 1)
        #expect(elsewhere.hits("/jwks") == 0)
        // The same for the IdP's token endpoint (POST).
        issuer.redirect("/token", to: elsewhere.base + "/token")
        let (status, _) = try await fetcher.postForm(issuer.base + "/token", ["code": "x"])
        #expect(status == 302)
        #expect(elsewhere.hits("/token") == 0)
    }

    @Test func oversizedDocumentsAreCutOffAtTheCap() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        let flood = 64 * 1024 * 1024
        stub.flood("/jwks", bytes: flood)
        let fetcher = HTTPDocumentFetcher(timeout: 5, policy: Self.loopbackPolicy)
        do {
            _ = try await fetcher.get(stub.base + "/jwks")
            Issue.record("a 64 MiB JWKS was accepted")
        } catch {
            #expect(error.description == "the document could not be fetched")
        }
        // The client stopped reading at 256 KiB and hung up: the server could not push the whole document.
        try await Task.sleep(for: .milliseconds(300))
        #expect(stub.written("/jwks") < flood / 2, "wrote \(stub.written("/jwks")) bytes")
    }

    @Test func loopbackAfterDNSResolutionIsRefusedByDefault() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        stub.serve("/jwks", ExternalIssuerKey(issuer: stub.base, kid: "k1").jwksText)
        let strict = HTTPDocumentFetcher(timeout: 2)
        // `localhost` is a name: it is resolved, the address (127.0.0.1) is judged and refused before connecting.
        await #expect(throws: FetchError.self) { try await strict.get("http://localhost:\(stub.port)/jwks") }
        await #expect(throws: FetchError.self) { try await strict.get(stub.base + "/jwks") }
        #expect(stub.hits("/jwks") == 0)
        // An allow-listed network is reachable.
        let listed = HTTPDocumentFetcher(
            timeout: 2, policy: FederationNetworkPolicy(allowedNetworks: [try #require(IPNetwork(parsing: "127.0.0.0/8"))]))
        #expect(try await listed.get("http://localhost:\(stub.port)/jwks").count > 0)
        #expect(stub.hits("/jwks") == 1)
    }

    @Test func specialPurposeAddressesAreRecognised() throws {
        let refused = [
            "169.254.169.254", "127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "100.64.0.1", "0.0.0.0",
            "224.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "fd00::1", "fc12::1", "ff02::1",
            "::ffff:169.254.169.254", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::127.0.0.1",
        ]
        for text in refused {
            let address = try #require(IPAddress(parsing: text), "\(text)")
            #expect(address.isSpecialPurpose, "\(text)")
            #expect(!FederationNetworkPolicy().permits(address), "\(text)")
        }
        for text in ["8.8.8.8", "140.82.112.3", "2606:4700::1111", "::ffff:8.8.8.8", "172.32.0.1"] {
            #expect(IPAddress(parsing: text)?.isSpecialPurpose == false, "\(text)")
        }
        #expect(IPNetwork(parsing: "10.1.0.0/16")?.contains(IPAddress(parsing: "10.1.200.3")!) == true)
        #expect(IPNetwork(parsing: "10.1.0.0/16")?.contains(IPAddress(parsing: "10.2.0.3")!) == false)
        #expect(IPNetwork(parsing: "10.1.0.0/33") == nil)
    }

    @Test func metadataAndPrivateIssuerURLsAreRefusedAtIssuerAdd() async throws {
        let server = try await TestServer.start { $0.federation.networkPolicy.allowPrivateNetworks = false }
        _ = try await server.registerWorkload("billing", extra: ["auth_methods": ["private_key_jwt", "federated"]])
        let rules: [[String: Any]] = [["match": ["sub": "x"], "identity": "spiffe://example.org/billing"]]
        for url in [
            "https://169.254.169.254", "https://169.254.169.254/latest/meta-data", "https://[::ffff:a9fe:a9fe]",
            "https://[fd00::1]/issuer", "https://10.0.0.7", "https://192.168.1.1", "http://127.0.0.1:8080",
            "http://localhost:8080", "https://0.0.0.0", "https://[::1]", "http://169.254.169.254",
            // Forms the resolver reads as the same addresses (inet_aton): decimal, hex, shortened, octal.
            "https://2852039166", "https://0xa9fea9fe", "https://169.254.43518", "https://2130706433/x", "https://127.1",
            "https://0x7f000001", "https://0177.0.0.1", "https://10.7",
            // A trailing dot or an IPv6 zone names the same address.
            "https://127.0.0.1.", "http://localhost.:8080", "https://[fe80::1%25lo]",
        ] {
            let reply = try await server.admin(
                "POST", "/v1/issuers", json: ["issuer": url, "audiences": ["tessera"], "rules": rules])
            #expect(reply.status == 400, "\(url): \(reply.status)")
        }
        let viaJWKS = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": "https://ci.example.com", "jwks_uri": "https://169.254.169.254/keys", "audiences": ["tessera"],
                "rules": rules,
            ])
        #expect(viaJWKS.status == 400)
        // A public name is accepted (its addresses are judged when it is fetched).
        let named = try await server.admin(
            "POST", "/v1/issuers", json: ["issuer": "https://ci.example.com", "audiences": ["tessera"], "rules": rules])
        #expect(named.status == 201)
    }

    @Test func spiffeBundleEndpointsFollowTheSameNetworkPolicy() async throws {
        let server = try await TestServer.start { $0.federation.networkPolicy.allowPrivateNetworks = false }
        for url in [
            "https://169.254.169.254/bundle", "http://127.0.0.1:8080/bundle", "https://10.0.0.7/bundle", "ftp://x/b",
            "https://2130706433/bundle", "https://0x7f000001/bundle", "https://127.1/bundle",
        ] {
            let reply = try await server.admin(
                "POST", "/v1/federation", json: ["trust_domain": "partner.test", "bundle_endpoint_url": url])
            #expect(reply.status == 400, "\(url): \(reply.status)")
        }
        // With loopback allowed, a bundle endpoint that redirects is not followed and leaks nothing.
        let allowed = try await TestServer.start()
        let endpoint = try StubIssuerServer()
        let elsewhere = try StubIssuerServer()
        defer {
            endpoint.stop()
            elsewhere.stop()
        }
        endpoint.redirect("/bundle", to: elsewhere.base + "/bundle")
        let reply = try await allowed.admin(
            "POST", "/v1/federation", json: ["trust_domain": "partner.test", "bundle_endpoint_url": endpoint.base + "/bundle"])
        #expect(reply.status == 201)
        #expect(reply.json["fetched"] as? Bool == false)
        #expect(endpoint.hits("/bundle") == 1)
        #expect(elsewhere.hits("/bundle") == 0)
        #expect(Self.leaks(reply.body, [elsewhere]).isEmpty, "\(String(decoding: reply.body, as: UTF8.self))")
    }

    @Test func exchangeNamingAnUnconfiguredIssuerFetchesNothing() async throws {
        let server = try await TestServer.start()
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        let key = ExternalIssuerKey(issuer: stub.base, kid: "k1")
        stub.serve("/.well-known/openid-configuration", #"{"issuer":"\#(stub.base)","jwks_uri":"\#(stub.base)/jwks"}"#)
        stub.serve("/jwks", key.jwksText)
        let now = server.clock.now()
        let client = try await server.registerWorkload("caller")
        for attempt in 0..<5 {
            let token = try key.mint(["sub": "repo:x", "aud": "tessera"], now: now, kid: "k\(attempt)")
            // Unauthenticated, and with a client assertion: neither makes the server contact an unconfigured issuer.
            for authenticated in [false, true] {
                var fields = [
                    "grant_type": TokenExchangeTests.grant, "subject_token": token, "subject_token_type": TokenExchangeTests.jwt,
                ]
                if authenticated {
                    fields["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                    fields["client_assertion"] = try client.assertion(audience: server.tokenEndpoint, now: now)
                }
                let reply = try await server.form("/oauth2/token", fields)
                #expect(reply.status == 400 || reply.status == 401)
            }
        }
        // A JWT-SVID of an unknown trust domain (no iss) is looked up as spiffe://<td>: not configured, no fetch.
        let svid = try key.mint(["iss": NSNull(), "sub": "spiffe://partner.example/x", "aud": "tessera"], now: now)
        _ = try await server.form(
            "/oauth2/token",
            ["grant_type": TokenExchangeTests.grant, "subject_token": svid, "subject_token_type": TokenExchangeTests.jwt])
        #expect(stub.totalHits == 0)
    }

    @Test func redirectingIssuerIsRefusedWithAGenericError() async throws {
        let server = try await TestServer.start()
        let issuer = try StubIssuerServer()
        let elsewhere = try StubIssuerServer()
        defer {
            issuer.stop()
            elsewhere.stop()
        }
        let key = ExternalIssuerKey(issuer: issuer.base, kid: "k1")
        elsewhere.serve("/jwks", key.jwksText)
        issuer.redirect("/jwks", to: elsewhere.base + "/jwks")
        _ = try await server.registerWorkload("billing", extra: ["auth_methods": ["private_key_jwt", "federated"]])
        let client = try await server.registerWorkload("caller")
        let added = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": issuer.base, "jwks_uri": issuer.base + "/jwks", "audiences": ["tessera"],
                "rules": [["match": ["sub": "repo:acme"], "identity": "spiffe://example.org/billing"]],
            ])
        #expect(added.status == 201)
        let now = server.clock.now()
        let reply = try await server.form(
            "/oauth2/token",
            [
                "grant_type": TokenExchangeTests.grant,
                "subject_token": try key.mint(["sub": "repo:acme", "aud": "tessera"], now: now),
                "subject_token_type": TokenExchangeTests.jwt,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": try client.assertion(audience: server.tokenEndpoint, now: now),
            ])
        #expect(reply.status != 200)
        #expect(Self.leaks(reply.body, [issuer, elsewhere]).isEmpty, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(elsewhere.hits("/jwks") == 0)
        #expect(issuer.hits("/jwks") <= 1)
    }

    @Test func idpDiscoveryRedirectIsRefusedWithAGenericError() async throws {
        let idp = try StubIssuerServer()
        let elsewhere = try StubIssuerServer()
        defer {
            idp.stop()
            elsewhere.stop()
        }
        elsewhere.serve(
            "/.well-known/openid-configuration",
            #"{"issuer":"\#(idp.base)","authorization_endpoint":"\#(elsewhere.base)/a","token_endpoint":"\#(elsewhere.base)/t"}"#)
        idp.redirect("/.well-known/openid-configuration", to: elsewhere.base + "/.well-known/openid-configuration")
        let server = try await TestServer.start { configuration in
            configuration.federation.humanIdP = HumanIdPConfiguration(issuer: idp.base, clientID: "tessera-console")
        }
        // An unauthenticated GET /auth/login makes the server fetch its (configured) IdP's discovery document.
        let reply = try await server.send("GET", "/auth/login")
        #expect(reply.status == 502)
        #expect(Self.leaks(reply.body, [idp, elsewhere]).isEmpty, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(idp.hits("/.well-known/openid-configuration") == 1)
        #expect(elsewhere.totalHits == 0)
    }

    @Test func slowIssuerIsAbandonedAtTheDeadline() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        stub.serve("/jwks", "{}")
        // The stub answers after 60 s (on its own thread): a fetch that waited for it would succeed. The margin is wide
        // because a saturated 2-core test run delays timers by many seconds.
        stub.setDelay(60)
        let fetcher = HTTPDocumentFetcher(timeout: 1, policy: Self.loopbackPolicy)
        await #expect(throws: FetchError.self) { try await fetcher.get(stub.base + "/jwks") }
    }
}
