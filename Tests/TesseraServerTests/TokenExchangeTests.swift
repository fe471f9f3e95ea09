import Foundation
import TesseraCore
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing

/// RFC 8693 token exchange over real HTTP: external tokens mapped by rules, delegation chains, and attacks.
@Suite(.stopsServers) struct TokenExchangeTests {
    static let jwt = "urn:ietf:params:oauth:token-type:jwt"
    static let accessToken = "urn:ietf:params:oauth:token-type:access_token"
    static let idToken = "urn:ietf:params:oauth:token-type:id_token"
    static let grant = "urn:ietf:params:oauth:grant-type:token-exchange"

    struct Fixture {
        let server: TestServer
        let ci: ExternalIssuerKey
        let idp: ExternalIssuerKey
    }

    static func fixture(configure: (inout ServerConfiguration) throws -> Void = { _ in }) async throws -> Fixture {
        let server = try await TestServer.start(configure: configure)
        let ci = ExternalIssuerKey(issuer: "https://ci.example.com")
        let idp = ExternalIssuerKey(issuer: "https://idp.example.com")
        _ = try await server.registerWorkload(
            "billing", scopes: ["invoices:read", "invoices:write"], extra: ["auth_methods": ["private_key_jwt", "federated"]])
        let ciReply = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": ci.issuer, "jwks": ci.jwks, "audiences": ["tessera"],
                "rules": [
                    [
                        "name": "deploy-main", "match": ["repository": "acme/billing", "ref": "refs/heads/main"],
                        "identity": "spiffe://example.org/billing",
                    ]
                ],
            ])
        #expect(ciReply.status == 201, "\(String(decoding: ciReply.body, as: UTF8.self))")
        let idpReply = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": idp.issuer, "kind": "human", "jwks": idp.jwks, "audiences": ["tessera"],
                "role_mappings": ["platform-admins": "admin"],
            ])
        #expect(idpReply.status == 201)
        return Fixture(server: server, ci: ci, idp: idp)
    }

    static func exchange(
        _ server: TestServer, subject: String, type: String = jwt, _ extra: [String: String] = [:]
    ) async throws -> TestServer.Reply {
        var fields = ["grant_type": grant, "subject_token": subject, "subject_token_type": type]
        fields.merge(extra) { $1 }
        return try await server.form("/oauth2/token", fields)
    }

    static func lastRecord(_ server: TestServer, type: String) async throws -> [String: Any] {
        try #require(try await server.auditRecords().last { $0["type"] as? String == type })
    }

    @Test func externalTokenMappedByRuleGetsAToken() async throws {
        let f = try await Self.fixture()
        let now = f.server.clock.now()
        let external = try f.ci.mint(
            [
                "sub": "repo:acme/billing:ref:refs/heads/main", "aud": "tessera", "repository": "acme/billing",
                "ref": "refs/heads/main", "jti": "gh-1",
            ], now: now, lifetime: 120)
        let reply = try await Self.exchange(f.server, subject: external, ["scope": "invoices:read"])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(reply.json["issued_token_type"] as? String == Self.accessToken)
        let claims = decodeClaims(try #require(reply.json["access_token"] as? String))
        #expect(claims["sub"] as? String == "spiffe://example.org/billing")
        #expect(claims["client_id"] as? String == "spiffe://example.org/billing")
        #expect(claims["scope"] as? String == "invoices:read")
        #expect(claims["act"] == nil)
        #expect((claims["exp"] as? Int ?? .max) <= Int(now.timeIntervalSince1970) + 120)
        let record = try await Self.lastRecord(f.server, type: "token.issued")
        let details = try #require(record["details"] as? [String: Any])
        #expect(details["issuer"] as? String == "https://ci.example.com")
        #expect(details["subject_token_jti"] as? String == "gh-1")
        #expect(details["act_chain"] as? [String] == [])
        #expect(details["mapping_rule"] as? String == "deploy-main")
        #expect(details["grant_type"] as? String == Self.grant)
    }

    @Test func hostileExternalTokensAreRefusedAndAudited() async throws {
        let f = try await Self.fixture { $0.listener.refusalFlushInterval = 0.1 }
        let now = f.server.clock.now()
        let good: [String: Any] = [
            "sub": "repo:acme/billing", "aud": "tessera", "repository": "acme/billing", "ref": "refs/heads/main",
        ]
        let stranger = ExternalIssuerKey(issuer: "https://evil.example.com")
        let cases: [(String, String, String)] = [
            ("untrusted issuer", try stranger.mint(good, now: now), "invalid_grant"),
            ("wrong audience", try f.ci.mint(good.merging(["aud": "someone-else"]) { $1 }, now: now), "invalid_target"),
            ("no matching rule", try f.ci.mint(good.merging(["ref": "refs/heads/feature"]) { $1 }, now: now), "invalid_grant"),
            (
                "act injection", try f.ci.mint(good.merging(["act": ["sub": "spiffe://example.org/admin"]]) { $1 }, now: now),
                "invalid_request"
            ),
            ("expired", try f.ci.mint(good, now: now.addingTimeInterval(-3_600)), "invalid_request"),
            (
                "signed by another key", try ExternalIssuerKey(issuer: f.ci.issuer, kid: f.ci.kid).mint(good, now: now),
                "invalid_request"
            ),
            ("malformed", "not.a.jwt", "invalid_request"),
            ("huge", String(repeating: "a", count: 20_000) + ".b.c", "invalid_request"),
        ]
        for (name, token, code) in cases {
            let reply = try await Self.exchange(f.server, subject: token)
            #expect(reply.status == 400, "\(name)")
            #expect(reply.json["error"] as? String == code, "\(name): \(String(decoding: reply.body, as: UTF8.self))")
        }
        // No subject token verified, so nobody proved anything: the refusals are counted per source and reason
        // (auth.refusals_aggregated), not written one durable record each (docs/threat-model.md).
        let records = try await AuditFloodAttackTests.waitForAggregates(f.server, type: "token.refused", expected: cases.count)
        let counted = AuditFloodAttackTests.aggregates(records).filter { $0["refused_type"] as? String == "token.refused" }
        #expect(counted.reduce(0) { $0 + (($1["count"] as? Int) ?? 0) } == cases.count)
        #expect(Set(counted.compactMap { $0["reason_code"] as? String }) == Set(cases.map(\.2)))
        #expect(!records.contains { $0["type"] as? String == "token.refused" })
    }

    @Test func jwtSVIDsOfAFederatedTrustDomainMapByRule() async throws {
        let server = try await TestServer.start()
        let partner = ExternalIssuerKey(issuer: "spiffe://partner.org")
        _ = try await server.registerWorkload("partner-gateway", extra: ["auth_methods": ["private_key_jwt", "federated"]])
        var jwks = partner.jwks
        if var keys = jwks["keys"] as? [[String: Any]] {
            keys[0]["use"] = "jwt-svid"
            jwks["keys"] = keys
        }
        let trusted = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": "spiffe://partner.org", "jwks": jwks, "audiences": [server.base],
                "rules": [
                    [
                        "name": "partner-api", "match": ["sub": "spiffe://partner.org/api/*"],
                        "identity": "spiffe://example.org/partner-gateway",
                    ]
                ],
            ])
        #expect(trusted.status == 201, "\(String(decoding: trusted.body, as: UTF8.self))")
        let now = server.clock.now()
        let svid = try partner.mint(["iss": NSNull(), "sub": "spiffe://partner.org/api/orders", "aud": server.base], now: now)
        let reply = try await Self.exchange(server, subject: svid)
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(
            decodeClaims(try #require(reply.json["access_token"] as? String))["sub"] as? String
                == "spiffe://example.org/partner-gateway")
        let record = try await Self.lastRecord(server, type: "token.issued")
        #expect((record["details"] as? [String: Any])?["issuer"] as? String == "spiffe://partner.org")
        let other = try partner.mint(["iss": NSNull(), "sub": "spiffe://partner.org/batch/x", "aud": server.base], now: now)
        #expect(try await Self.exchange(server, subject: other).json["error"] as? String == "invalid_grant")
    }

    @Test func hugeAndOddClaimsAreHandledWithoutCrashing() async throws {
        let f = try await Self.fixture()
        let now = f.server.clock.now()
        var claims: [String: Any] = [
            "sub": "job", "aud": ["other", "tessera"], "repository": "acme/billing", "ref": "refs/heads/main",
            "junk": String(repeating: "x", count: 8_000), "nested": ["a": ["b": ["c": ["d": ["e": ["f": "deep"]]]]]],
            "numbers": [1, 2, 3], "flag": true,
        ]
        for index in 0..<300 { claims["c\(index)"] = index }
        let big = try f.ci.mint(claims, now: now)
        #expect(big.utf8.count > 10_000)
        let reply = try await Self.exchange(f.server, subject: big)
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        // Over the 16 KiB limit: refused before any decoding.
        claims["junk"] = String(repeating: "x", count: 16_000)
        let huge = try await Self.exchange(f.server, subject: try f.ci.mint(claims, now: now))
        #expect(huge.json["error"] as? String == "invalid_request")
        // Wrong types for registered claims and a non-object payload.
        let badTypes = try f.ci.mint(["sub": 42, "aud": "tessera", "exp": "tomorrow"], now: now)
        #expect(try await Self.exchange(f.server, subject: badTypes).json["error"] as? String == "invalid_request")
        let notObject = try forgeJWS(header: #"{"alg":"ES256","kid":"\#(f.ci.kid)"}"#, claims: "[1,2]", key: f.ci.key)
        #expect(try await Self.exchange(f.server, subject: notObject).json["error"] as? String == "invalid_request")
        let none =
            Base64URL.encode(Data(#"{"alg":"none"}"#.utf8)) + "."
            + Base64URL.encode(Data(#"{"iss":"https://ci.example.com"}"#.utf8)) + "."
        #expect(try await Self.exchange(f.server, subject: none).json["error"] as? String == "invalid_request")
    }

    @Test func humanDelegatesThroughAgentToolAndDatabaseWithinTheDepthLimit() async throws {
        let f = try await Self.fixture()
        let server = f.server
        let agent = try await server.registerWorkload(
            "agent", extra: ["kind": "ai-agent", "audiences": ["spiffe://example.org/tool"]])
        let tool = try await server.registerWorkload("tool", extra: ["audiences": ["spiffe://example.org/db"]])
        let db = try await server.registerWorkload("db", extra: ["audiences": ["spiffe://example.org/extra"]])
        let extra = try await server.registerWorkload("extra", extra: ["audiences": ["https://elsewhere"]])
        let created = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "monthly close", "identities": [agent.clientID, tool.clientID, db.clientID, extra.clientID],
                "scopes": ["invoices:read"], "ttl": 900,
                // People are keyed on iss + sub (HumanName); TaskService prefixes `human:`.
                "initiator": String(HumanName.key(issuer: f.idp.issuer, subject: "u-123").dropFirst("human:".count)),
            ])
        let taskID = try #require(created.json["id"] as? String)
        let now = server.clock.now()
        let human = try f.idp.mint(
            ["sub": "u-123", "email": "alice@example.com", "aud": "tessera", "groups": ["platform-admins"]], now: now,
            lifetime: 600)

        // Without an actor a person's token is not exchanged.
        let direct = try await Self.exchange(server, subject: human, type: Self.idToken, ["task_id": taskID])
        #expect(direct.json["error"] as? String == "unauthorized_client")
        // Outside a task, policy refuses the delegation.
        let outside = try await Self.exchange(
            server, subject: human, type: Self.idToken,
            [
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "spiffe://example.org/tool",
            ])
        #expect(outside.json["error"] as? String == "unauthorized_client")
        #expect((outside.json["error_description"] as? String ?? "").contains("human-delegation-needs-task"))

        // human → agent (for the tool)
        let first = try await Self.exchange(
            server, subject: human, type: Self.idToken,
            [
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "spiffe://example.org/tool", "task_id": taskID,
            ])
        #expect(first.status == 200, "\(String(decoding: first.body, as: UTF8.self))")
        let t1 = try #require(first.json["access_token"] as? String)
        let c1 = decodeClaims(t1)
        #expect(c1["sub"] as? String == HumanName.key(issuer: f.idp.issuer, subject: "u-123"))
        #expect(c1["client_id"] as? String == agent.clientID)
        #expect((c1["act"] as? [String: Any])?["sub"] as? String == agent.clientID)
        #expect(c1["task_id"] as? String == taskID)

        // The tool may not widen the scope.
        let wider = try await Self.exchange(
            server, subject: t1, type: Self.accessToken,
            [
                "actor_token": try tool.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "spiffe://example.org/db", "scope": "invoices:read invoices:write",
            ])
        #expect(wider.json["error"] as? String == "invalid_scope")

        // agent → tool (for the database)
        let second = try await Self.exchange(
            server, subject: t1, type: Self.accessToken,
            [
                "actor_token": try tool.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "spiffe://example.org/db",
            ])
        #expect(second.status == 200, "\(String(decoding: second.body, as: UTF8.self))")
        let t2 = try #require(second.json["access_token"] as? String)
        let introspected = try await server.send(
            "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": t2]).utf8),
            contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(server.adminToken)"])
        #expect(introspected.json["active"] as? Bool == true)
        #expect((introspected.json["act"] as? [String: Any])?["sub"] as? String == tool.clientID)
        #expect(((introspected.json["act"] as? [String: Any])?["act"] as? [String: Any])?["sub"] as? String == agent.clientID)
        let c2 = decodeClaims(t2)
        #expect((c2["exp"] as? Int ?? .max) <= (c1["exp"] as? Int ?? 0))
        #expect(c2["task_id"] as? String == taskID)
        #expect(c2["scope"] as? String == "invoices:read")

        // tool → database: three actors, the limit.
        let third = try await Self.exchange(
            server, subject: t2, type: Self.accessToken,
            [
                "actor_token": try db.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "spiffe://example.org/extra",
            ])
        #expect(third.status == 200, "\(String(decoding: third.body, as: UTF8.self))")
        let t3 = try #require(third.json["access_token"] as? String)
        let act = try #require(decodeClaims(t3)["act"] as? [String: Any])
        #expect(act["sub"] as? String == db.clientID)
        let inner = try #require(act["act"] as? [String: Any])
        #expect(inner["sub"] as? String == tool.clientID)
        #expect((inner["act"] as? [String: Any])?["sub"] as? String == agent.clientID)
        let record = try await Self.lastRecord(server, type: "token.issued")
        let details = try #require(record["details"] as? [String: Any])
        #expect(details["act_chain"] as? [String] == [db.clientID, tool.clientID, agent.clientID])
        #expect(details["issuer"] as? String == server.base)
        #expect(details["subject_token_jti"] as? String == decodeClaims(t2)["jti"] as? String)
        #expect(record["subject"] as? String == HumanName.key(issuer: f.idp.issuer, subject: "u-123"))

        // A fourth actor exceeds the default depth of 3.
        let fourth = try await Self.exchange(
            server, subject: t3, type: Self.accessToken,
            [
                "actor_token": try extra.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "https://elsewhere",
            ])
        #expect(fourth.json["error"] as? String == "invalid_grant")
        #expect((fourth.json["error_description"] as? String ?? "").contains("4 actors deep"))
        let refused = try await Self.lastRecord(server, type: "token.refused")
        let refusedDetails = try #require(refused["details"] as? [String: Any])
        #expect(refusedDetails["act_chain"] as? [String] == [extra.clientID, db.clientID, tool.clientID, agent.clientID])

        // A token meant for the tool cannot be exchanged by another workload that was never its audience.
        let stolen = try await Self.exchange(
            server, subject: t1, type: Self.accessToken,
            [
                "actor_token": try extra.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "https://elsewhere",
            ])
        #expect(stolen.json["error"] as? String == "invalid_grant")
    }

    @Test func mayActAndActorChainsAreEnforced() async throws {
        let f = try await Self.fixture()
        let server = f.server
        let agent = try await server.registerWorkload("agent2", extra: ["audiences": ["https://api"]])
        let created = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "t", "identities": [agent.clientID], "scopes": ["invoices:read"], "ttl": 600,
                "initiator": "bob@example.com",
            ])
        let taskID = try #require(created.json["id"] as? String)
        let now = server.clock.now()
        let restricted = try f.idp.mint(
            [
                "sub": "u-9", "email": "bob@example.com", "aud": "tessera",
                "may_act": ["sub": "spiffe://example.org/someone-else"],
            ],
            now: now)
        let reply = try await Self.exchange(
            server, subject: restricted, type: Self.idToken,
            [
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "task_id": taskID, "audience": "https://api",
            ])
        #expect(reply.json["error"] as? String == "invalid_grant")
        #expect((reply.json["error_description"] as? String ?? "").contains("may_act"))

        // A person cannot delegate in a task somebody else started.
        let alice = try f.idp.mint(["sub": "u-1", "email": "alice@example.com", "aud": "tessera"], now: now)
        let foreign = try await Self.exchange(
            server, subject: alice, type: Self.idToken,
            [
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "task_id": taskID, "audience": "https://api",
            ])
        #expect(foreign.json["error"] as? String == "invalid_grant")

        // A workload's token for Tessera itself does not let another workload act for it: only a token that names
        // the actor (aud or may_act) does.
        let billing = try await server.registerWorkload("billing2", extra: ["audiences": [agent.clientID]])
        let forTessera = try #require(try await server.requestToken(billing).json["access_token"] as? String)
        let hijack = try await Self.exchange(
            server, subject: forTessera, type: Self.accessToken,
            [
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "https://api",
            ])
        #expect(hijack.json["error"] as? String == "invalid_grant")
        let forAgent = try #require(
            try await server.requestToken(billing) { $0["audience"] = agent.clientID }.json["access_token"] as? String)
        let delegated = try await Self.exchange(
            server, subject: forAgent, type: Self.accessToken,
            [
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt,
                "audience": "https://api",
            ])
        #expect(delegated.status == 200, "\(String(decoding: delegated.body, as: UTF8.self))")
        // The subject cannot re-exchange a token its actor holds.
        let back = try await Self.exchange(
            server, subject: try #require(delegated.json["access_token"] as? String), type: Self.accessToken,
            ["actor_token": try billing.assertion(audience: server.tokenEndpoint, now: now), "actor_token_type": Self.jwt])
        #expect(back.json["error"] as? String == "invalid_grant")

        // Unsupported token types are refused clearly.
        let saml = try await Self.exchange(server, subject: alice, type: "urn:ietf:params:oauth:token-type:saml2")
        #expect(saml.json["error"] as? String == "invalid_request")
        let wrongType = try await Self.exchange(
            server, subject: alice, type: Self.idToken, ["requested_token_type": "urn:ietf:params:oauth:token-type:saml2"])
        #expect(wrongType.json["error"] as? String == "invalid_request")
    }

    @Test func issuerAdministrationValidatesInput() async throws {
        let f = try await Self.fixture()
        let server = f.server
        let list = try await server.admin("GET", "/v1/issuers")
        let issuers = try #require(list.json["issuers"] as? [[String: Any]])
        #expect(issuers.count == 2)
        let bad: [[String: Any]] = [
            ["issuer": "http://example.com", "audiences": ["x"]],  // plain http off loopback
            ["issuer": "https://a.example", "audiences": []],
            [
                "issuer": "https://a.example", "audiences": ["x"],
                "rules": [["match": [:], "identity": "spiffe://example.org/billing"]],
            ],
            [
                "issuer": "https://a.example", "audiences": ["x"],
                "rules": [["match": ["sub": "*"], "identity": "spiffe://example.org/billing"]],
            ],
            [
                "issuer": "https://a.example", "audiences": ["x"],
                "rules": [["match": ["sub": "a"], "identity": "spiffe://example.org/nobody"]],
            ],
            ["issuer": "https://a.example", "audiences": ["x"], "jwks": ["keys": [["kty": "oct", "k": "AAAA"]]]],
            ["issuer": "https://a.example", "audiences": ["x"], "kind": "robot"],
            ["issuer": "https://a.example", "audiences": ["x"], "surprise": true],
            ["issuer": f.ci.issuer, "audiences": ["x"], "jwks": f.ci.jwks],
        ]
        for body in bad {
            let reply = try await server.admin("POST", "/v1/issuers", json: body)
            #expect([400, 409].contains(reply.status), "\(body)")
            #expect(reply.headers["content-type"]?.hasPrefix("application/problem+json") == true)
        }
        let id = try #require(issuers.first { $0["issuer"] as? String == f.ci.issuer }?["id"] as? String)
        #expect(try await server.admin("DELETE", "/v1/issuers/\(id)").status == 204)
        #expect(try await server.admin("GET", "/v1/issuers/\(id)").status == 404)
        #expect(try await server.admin("GET", "/v1/issuers", token: "tsr_admin_wrong").status == 401)
        // The removed issuer's tokens are no longer accepted.
        let token = try f.ci.mint(
            ["sub": "x", "aud": "tessera", "repository": "acme/billing", "ref": "refs/heads/main"], now: server.clock.now())
        #expect(try await Self.exchange(server, subject: token).json["error"] as? String == "invalid_grant")
        let removed = try await Self.lastRecord(server, type: "issuer.removed")
        #expect(removed["subject"] as? String == f.ci.issuer)
    }
}
