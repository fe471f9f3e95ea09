import Crypto
import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing

@Suite(.serialized, .stopsServers) struct TokenEndpointTests {
    @Test func privateKeyJWTYieldsAVerifiableRFC9068Token() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("billing")
        let reply = try await server.requestToken(workload) { $0["scope"] = "invoices:read" }
        #expect(reply.status == 200)
        #expect(reply.headers["cache-control"] == "no-store")
        #expect(reply.json["token_type"] as? String == "Bearer")
        #expect(reply.json["expires_in"] as? Int == 300)
        let token = try #require(reply.json["access_token"] as? String)

        // Offline validation against the published JWKS.
        let jwksReply = try await server.send("GET", "/.well-known/jwks.json")
        let jwks = try JSONDecoder().decode(JWKSet.self, from: jwksReply.body)
        let jws = try CompactJWS(parsing: token)
        #expect(jws.header.typ == "at+jwt")
        #expect(jws.algorithm == .es256)
        try jws.verify(with: try KeyedVerificationKey.from(jwks))
        let claims = try JWTClaims.decode(jws.payload)
        #expect(claims.iss == server.base)
        #expect(claims.sub == workload.clientID)
        #expect(claims.clientID == workload.clientID)
        #expect(claims.scope == "invoices:read")
        #expect(claims.aud?.values == [server.base])
        #expect(claims.jti?.isEmpty == false)
        let lifetime = try #require(claims.exp?.date).timeIntervalSince(try #require(claims.iat?.date))
        #expect(lifetime == 300)
    }

    @Test func introspectionAndRevocation() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("reports")
        let token = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        let auth = ["Authorization": "Bearer \(server.adminToken)"]

        let active = try await server.form("/oauth2/introspect", ["token": token], headers: auth)
        #expect(active.status == 200)
        #expect(active.json["active"] as? Bool == true)
        #expect(active.json["sub"] as? String == workload.clientID)
        #expect(active.json["scope"] as? String == "invoices:read invoices:write")

        // A client may introspect with its own private_key_jwt.
        let clientAssertion = try workload.assertion(audience: server.tokenEndpoint, now: server.clock.now())
        let byClient = try await server.form(
            "/oauth2/introspect",
            [
                "token": token, "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": clientAssertion,
            ])
        #expect(byClient.json["active"] as? Bool == true)

        let unauthenticated = try await server.form("/oauth2/introspect", ["token": token])
        #expect(unauthenticated.status == 401)
        #expect(unauthenticated.json["error"] as? String == "invalid_client")

        let revoked = try await server.form("/oauth2/revoke", ["token": token], headers: auth)
        #expect(revoked.status == 200)
        let after = try await server.form("/oauth2/introspect", ["token": token], headers: auth)
        #expect(after.json["active"] as? Bool == false)
        #expect(after.json.count == 1, "an inactive token reveals nothing else")

        // Garbage and expired tokens are inactive; revoking garbage succeeds silently (RFC 7009).
        #expect(
            try await server.form("/oauth2/introspect", ["token": "abc.def.ghi"], headers: auth).json["active"] as? Bool == false)
        #expect(try await server.form("/oauth2/revoke", ["token": "garbage"], headers: auth).status == 200)
        let fresh = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        server.clock.advance(by: 301)
        #expect(try await server.form("/oauth2/introspect", ["token": fresh], headers: auth).json["active"] as? Bool == false)
    }

    @Test func clientCannotRevokeAnotherClientsToken() async throws {
        let server = try await TestServer.start()
        let owner = try await server.registerWorkload("owner")
        let other = try await server.registerWorkload("other")
        let token = try #require(try await server.requestToken(owner).json["access_token"] as? String)
        let reply = try await server.form(
            "/oauth2/revoke",
            [
                "token": token, "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": try other.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
            ])
        #expect(reply.status == 400)
        #expect(reply.json["error"] as? String == "unauthorized_client")
        let auth = ["Authorization": "Bearer \(server.adminToken)"]
        #expect(try await server.form("/oauth2/introspect", ["token": token], headers: auth).json["active"] as? Bool == true)
    }

    @Test func tokenLifetimeFollowsIdentityAndNeverOutlivesIt() async throws {
        let server = try await TestServer.start()
        let short = try await server.registerWorkload("short", extra: ["token_ttl": 60])
        #expect(try await server.requestToken(short).json["expires_in"] as? Int == 60)
        let expiring = try await server.registerWorkload(
            "expiring", extra: ["expires_at": ISO8601DateFormatter().string(from: server.clock.now().addingTimeInterval(100))])
        let lifetime = try #require(try await server.requestToken(expiring).json["expires_in"] as? Int)
        #expect(lifetime <= 100 && lifetime >= 99)
    }

    @Test func audienceMustBeAllowed() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("aud", extra: ["audiences": ["https://ledger.example.org"]])
        let allowed = try await server.requestToken(workload) { $0["audience"] = "https://ledger.example.org" }
        #expect(allowed.status == 200)
        let denied = try await server.requestToken(workload) { $0["audience"] = "https://elsewhere.example.org" }
        #expect(denied.status == 400)
        #expect(denied.json["error"] as? String == "invalid_target")
    }

    @Test func metadataDescribesTheServer() async throws {
        let server = try await TestServer.start()
        let metadata = try await server.send("GET", "/.well-known/oauth-authorization-server").json
        #expect(metadata["issuer"] as? String == server.base)
        #expect(metadata["token_endpoint"] as? String == server.tokenEndpoint)
        #expect(metadata["jwks_uri"] as? String == server.base + "/.well-known/jwks.json")
        #expect(metadata["token_endpoint_auth_methods_supported"] as? [String] == ["private_key_jwt"])
        #expect((metadata["token_endpoint_auth_signing_alg_values_supported"] as? [String])?.contains("none") == false)
    }

    @Test func everyIssuanceAndRefusalIsInTheVerifiableAuditLog() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("audited")
        let token = try await server.requestToken(workload)
        #expect(token.status == 200)
        let refused = try await server.requestToken(workload) { $0["scope"] = "admin" }
        #expect(refused.status == 400)
        await server.stop()

        let database = try SQLiteStorage(directory: server.dataDirectory)
        let records = try await database.audit.records(after: 0, limit: 100).map { try $0.content() }
            .filter { $0.type.hasPrefix("identity.") || $0.type.hasPrefix("token.") }
        #expect(records.map(\.type) == ["identity.created", "token.issued", "token.refused"])
        #expect(records[1].details["scope"] == .strings(["invoices:read", "invoices:write"]))
        #expect(records[1].details["policies"] == .strings(["active-identities"]))
        #expect(
            records[1].details["policy_version"].map { if case .string(let v) = $0 { v.hasPrefix("builtin:") } else { false } }
                == true)
        #expect(records[2].reason?.contains("admin") == true)
        #expect(records[2].outcome == .denied)
        #expect(try await AuditVerifier(store: database.audit).verify().isIntact)
    }
}
