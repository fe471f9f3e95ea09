import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// An identity declares how it authenticates (`auth_methods`); a key is needed only for
/// `private_key_jwt`, and every method it did not declare is refused with a clear error, even for a genuine
/// credential. Attacker: anyone who can reach the token endpoint, holding their own keys, or a genuine SVID of
/// the identity obtained by a method the owner did not intend (docs/threat-model.md, "Authentication methods").
@Suite(.stopsServers) struct AuthMethodAttackTests {
    static var svidOnly: [String: Any] {
        [
            "spiffe_id": "spiffe://example.org/svid-only", "kind": "service", "owner": "alice@example.com",
            "purpose": "SVID-only workload", "scopes": ["invoices:read"], "auth_methods": ["jwt_svid", "tls_client_auth"],
        ]
    }

    /// A JWT-SVID for `spiffeID` signed by the server's trust domain key, for the token endpoint.
    static func jwtSVID(_ server: TestServer, _ spiffeID: String) throws -> String {
        try JWTSVID.sign(
            spiffeID: try SPIFFEID(parsing: spiffeID), audience: [server.tokenEndpoint],
            key: server.spiffe.state.authority.jwtKey, now: server.clock.now(), ttl: 60
        ).token
    }

    static func assertionForm(_ assertion: String) -> [String: String] {
        [
            "grant_type": "client_credentials", "client_assertion_type": ClientAssertionVerifier.assertionType,
            "client_assertion": assertion,
        ]
    }

    @Test func anIdentityDeclaresItsMethodsAndNeedsAKeyOnlyForPrivateKeyJWT() async throws {
        let server = try await TestServer.start()
        let created = try await server.admin("POST", "/v1/identities", json: Self.svidOnly)
        #expect(created.status == 201, "\(created.json)")
        #expect(created.json["auth_methods"] as? [String] == ["jwt_svid", "tls_client_auth"])
        #expect(((created.json["jwks"] as? [String: Any])?["keys"] as? [Any])?.isEmpty == true)

        let pem = P256.Signing.PrivateKey().publicKey.pemRepresentation
        func body(_ name: String, _ extra: [String: Any]) -> [String: Any] {
            var body: [String: Any] = [
                "spiffe_id": "spiffe://example.org/\(name)", "kind": "service", "owner": "alice@example.com",
                "purpose": "test",
            ]
            body.merge(extra) { $1 }
            return body
        }
        let refusals: [(String, [String: Any], String)] = [
            ("none", [:], "$.auth_methods"),
            ("keyless-pkjwt", ["auth_methods": ["private_key_jwt"]], "public_key_pem or $.jwks is required"),
            ("key-unused", ["auth_methods": ["jwt_svid"], "public_key_pem": pem], "does not include private_key_jwt"),
            ("unknown", ["auth_methods": ["client_secret_basic"]], "unknown authentication method"),
            ("empty", ["auth_methods": [String]()], "at least one"),
            ("not-a-list", ["auth_methods": "jwt_svid"], "auth_methods"),
        ]
        for (name, extra, message) in refusals {
            let reply = try await server.admin("POST", "/v1/identities", json: body(name, extra))
            #expect(reply.status == 400, "\(name): \(reply.json)")
            #expect((reply.json["detail"] as? String ?? "").contains(message), "\(name): \(reply.json)")
        }
        // A key alone still means private_key_jwt, as before.
        let keyed = try await server.admin("POST", "/v1/identities", json: body("keyed", ["public_key_pem": pem]))
        #expect(keyed.status == 201)
        #expect(keyed.json["auth_methods"] as? [String] == ["private_key_jwt"])

        // Dropping private_key_jwt drops the keys; adding it back without a key is refused.
        let id = try #require(keyed.json["id"] as? String)
        let narrowed = try await server.admin("PATCH", "/v1/identities/\(id)", json: ["auth_methods": ["tls_client_auth"]])
        #expect(narrowed.status == 200, "\(narrowed.json)")
        #expect(((narrowed.json["jwks"] as? [String: Any])?["keys"] as? [Any])?.isEmpty == true)
        let widened = try await server.admin(
            "PATCH", "/v1/identities/\(id)", json: ["auth_methods": ["tls_client_auth", "private_key_jwt"]])
        #expect(widened.status == 400)
        let record = try #require(try await server.auditRecords().last { $0["type"] as? String == "identity.updated" })
        #expect(((record["details"] as? [String: Any])?["fields"] as? [String])?.contains("auth_methods") == true)
    }

    @Test func aKeyAnAttackerSignsWithIsNeverAcceptedForAnIdentityWithoutPrivateKeyJWT() async throws {
        let server = try await TestServer.start()
        #expect(try await server.admin("POST", "/v1/identities", json: Self.svidOnly).status == 201)
        // The attacker's own key, an assertion naming the SVID-only identity.
        let attacker = Workload(id: "", clientID: "spiffe://example.org/svid-only", key: .p256(P256.Signing.PrivateKey()))
        let reply = try await server.requestToken(attacker)
        #expect(reply.status == 401)
        #expect(reply.json["error"] as? String == "invalid_client")
        #expect((reply.json["error_description"] as? String ?? "").contains("does not authenticate with private_key_jwt"))
        #expect(reply.json["access_token"] == nil)
        // Nothing verified: counted, not one record per attempt.
        let refused = try await server.auditRecords().filter { $0["type"] as? String == "token.refused" }
        #expect(refused.isEmpty)

        // The same identity's genuine JWT-SVID is accepted: the declared method works.
        let accepted = try await server.form(
            "/oauth2/token", Self.assertionForm(try Self.jwtSVID(server, "spiffe://example.org/svid-only")))
        #expect(accepted.status == 200, "\(accepted.json)")
    }

    @Test func aGenuineJWTSVIDIsRefusedAndRecordedWhenTheIdentityDidNotDeclareIt() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("key-only")  // private_key_jwt only
        let svid = try Self.jwtSVID(server, workload.clientID)
        let reply = try await server.form("/oauth2/token", Self.assertionForm(svid))
        #expect(reply.status == 401)
        #expect(reply.json["error"] as? String == "invalid_client")
        #expect((reply.json["error_description"] as? String ?? "").contains("does not authenticate with jwt_svid"))
        #expect(reply.json["access_token"] == nil)
        let record = try #require(try await server.auditRecords().last { $0["type"] as? String == "token.refused" })
        #expect(record["subject"] as? String == workload.clientID)
        #expect((record["reason"] as? String ?? "").contains("jwt_svid"))
        // The refused SVID was consumed: declaring the method afterwards does not make that same SVID usable.
        #expect(
            try await server.admin(
                "PATCH", "/v1/identities/\(workload.id)", json: ["auth_methods": ["private_key_jwt", "jwt_svid"]]
            )
            .status == 200)
        let replayed = try await server.form("/oauth2/token", Self.assertionForm(svid))
        #expect(replayed.status == 401)
        let fresh = try await server.form("/oauth2/token", Self.assertionForm(try Self.jwtSVID(server, workload.clientID)))
        #expect(fresh.status == 200, "\(fresh.json)")
        // The key keeps working alongside.
        #expect(try await server.requestToken(workload).status == 200)
    }

    /// Attacker finding F1: at introspection and revocation a refused genuine JWT-SVID was neither recorded nor
    /// spent durably, so after a restart and a later declaration the same SVID bought a token.
    @Test func aJWTSVIDRefusedAtIntrospectionIsRecordedAndStaysSpentAcrossARestart() async throws {
        let kek = TestServer.freshKEK()
        let clock = ManualTimeSource(Date())
        let first = try await TestServer.start(kek: kek, clock: clock)
        let workload = try await first.registerWorkload("introspector")  // private_key_jwt only
        let svid = try JWTSVID.sign(
            spiffeID: try SPIFFEID(parsing: workload.clientID), audience: [first.base],
            key: first.spiffe.state.authority.jwtKey, now: clock.now(), ttl: 300
        ).token
        let refused = try await first.form(
            "/oauth2/introspect",
            ["token": "x", "client_assertion_type": ClientAssertionVerifier.assertionType, "client_assertion": svid])
        #expect(refused.status == 401)
        #expect((refused.json["error_description"] as? String ?? "").contains("does not authenticate with jwt_svid"))
        let record = try #require(try await first.auditRecords().last { $0["type"] as? String == "token.refused" })
        #expect(record["subject"] as? String == workload.clientID)
        #expect((record["details"] as? [String: Any])?["endpoint"] as? String == "/oauth2/introspect")
        let directory = first.dataDirectory
        let adminToken = first.adminToken
        await first.stop()

        let second = try await TestServer.start(dataDirectory: directory, kek: kek, clock: clock)
        #expect(
            try await second.admin(
                "PATCH", "/v1/identities/\(workload.id)", json: ["auth_methods": ["private_key_jwt", "jwt_svid"]],
                token: adminToken
            ).status == 200)
        let replayed = try await second.form("/oauth2/token", Self.assertionForm(svid))
        #expect(replayed.status == 401, "\(replayed.json)")
        #expect(replayed.json["access_token"] == nil)
    }

    /// Attacker finding F2: an exchange refusal of a genuine, undeclared JWT-SVID named whatever `client_id` the
    /// request claimed. The record names the identity the SVID proved, and keeps the claim only as a detail.
    @Test func aRefusedExchangeIsAttributedToWhatVerifiedNotToAClaimedClient() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("key-only-exchanger")
        let victim = try await server.registerWorkload("blamed")
        let reply = try await server.form(
            "/oauth2/token",
            [
                "grant_type": TokenExchangeTests.grant, "subject_token_type": TokenExchangeTests.jwt,
                "subject_token": try Self.jwtSVID(server, workload.clientID), "client_id": victim.clientID,
            ])
        #expect(reply.status == 400)
        let record = try #require(try await server.auditRecords().last { $0["type"] as? String == "token.refused" })
        #expect(record["subject"] as? String == workload.clientID)
        #expect(record["actor"] as? String == workload.clientID)
        #expect((record["details"] as? [String: Any])?["claimed_client"] as? String == victim.clientID)
        // A claimed client_id alone (nothing verified) never becomes a record's actor.
        _ = try await server.form(
            "/oauth2/token",
            [
                "grant_type": TokenExchangeTests.grant, "subject_token_type": TokenExchangeTests.jwt, "subject_token": "x.y.z",
                "client_id": victim.clientID,
            ])
        let refusals = try await server.auditRecords().filter { $0["type"] as? String == "token.refused" }
        #expect(refusals.allSatisfy { $0["actor"] as? String != victim.clientID })
    }

    /// Attacker re-check finding: eligibility was checked before audience, lifetime and single use, so a dead
    /// assertion (expired, for another server, replayed) of a suspended identity wrote one record naming it per
    /// replay. Such an assertion proves nothing: it is counted, and names no one.
    @Test func aDeadAssertionOfASuspendedIdentityIsCountedNotRecordedUnderItsName() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 0.2 }
        let workload = try await server.registerWorkload("suspended-client")
        #expect(
            try await server.admin("POST", "/v1/identities/\(workload.id)/suspend", json: ["reason": "incident"]).status == 200)
        let foreign = try workload.assertion(audience: "https://other-as.example/token", now: server.clock.now(), jti: "fixed")
        let expired = try workload.assertion(
            audience: server.tokenEndpoint, now: server.clock.now().addingTimeInterval(-3600), jti: "old")
        for assertion in [foreign, expired, foreign, expired] {
            let reply = try await server.form("/oauth2/token", Self.assertionForm(assertion))
            #expect(reply.status == 401)
            let introspect = try await server.form(
                "/oauth2/introspect",
                ["token": "x", "client_assertion_type": ClientAssertionVerifier.assertionType, "client_assertion": assertion])
            #expect(introspect.status == 401)
        }
        var counted = 0
        for _ in 0..<100 where counted < 8 {
            try await Task.sleep(for: .milliseconds(100))
            counted = try await server.auditRecords().filter { $0["type"] as? String == RefusalAggregator.eventType }
                .reduce(0) { $0 + ((($1["details"] as? [String: Any])?["count"] as? Int) ?? 0) }
        }
        #expect(counted == 8)
        let named = try await server.auditRecords().filter {
            $0["type"] as? String == "token.refused"
                && ($0["subject"] as? String == workload.clientID || $0["actor"] as? String == workload.clientID)
        }
        #expect(named.isEmpty, "\(named)")
        // A fresh, genuine assertion of the suspended identity is a refusal it made: recorded under its name.
        #expect(try await server.requestToken(workload).status == 401)
        let recorded = try #require(try await server.auditRecords().last { $0["type"] as? String == "token.refused" })
        #expect(recorded["subject"] as? String == workload.clientID)
        #expect((recorded["reason"] as? String ?? "").contains("suspended"))
    }

    @Test func aTrustedIssuersTokenMapsOnlyToAnIdentityThatDeclaredFederated() async throws {
        let server = try await TestServer.start()
        let ci = ExternalIssuerKey(issuer: "https://ci.example.com")
        let deployer = try await server.registerWorkload("deployer", extra: ["scopes": ["deploy"]])
        let added = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": ci.issuer, "jwks": ci.jwks, "audiences": ["tessera"],
                "rules": [["name": "main", "match": ["ref": "refs/heads/main"], "identity": deployer.clientID]],
            ])
        #expect(added.status == 201)
        func exchange() async throws -> TestServer.Reply {
            try await server.form(
                "/oauth2/token",
                [
                    "grant_type": TokenExchangeTests.grant, "subject_token_type": TokenExchangeTests.idToken,
                    "subject_token": try ci.mint(
                        ["sub": "job", "aud": "tessera", "ref": "refs/heads/main", "jti": UUID().uuidString],
                        now: server.clock.now()),
                ])
        }
        let refused = try await exchange()
        #expect(refused.status == 400, "\(refused.json)")
        #expect(refused.json["error"] as? String == "invalid_grant")
        #expect((refused.json["error_description"] as? String ?? "").contains("does not authenticate with federated tokens"))
        #expect(refused.json["access_token"] == nil)
        let record = try #require(try await server.auditRecords().last { $0["type"] as? String == "token.refused" })
        #expect((record["reason"] as? String ?? "").contains("federated"))
        #expect((record["details"] as? [String: Any])?["mapping_rule"] as? String == "main")

        #expect(
            try await server.admin(
                "PATCH", "/v1/identities/\(deployer.id)", json: ["auth_methods": ["private_key_jwt", "federated"]]
            )
            .status == 200)
        let accepted = try await exchange()
        #expect(accepted.status == 200, "\(accepted.json)")
        #expect(decodeClaims(try #require(accepted.json["access_token"] as? String))["sub"] as? String == deployer.clientID)
    }
}
