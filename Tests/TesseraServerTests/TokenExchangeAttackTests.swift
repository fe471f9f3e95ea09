import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing

/// A party that merely holds (or intercepted) a Tessera token cannot
/// turn it into new tokens. Every exchange authenticates its caller, a bearer token is never an actor credential by
/// itself, a task only narrows, and revoking a token revokes everything exchanged from it.
@Suite(.stopsServers) struct TokenExchangeAttackTests {
    struct Fixture {
        let server: TestServer
        /// The victim: holds a token for the resource server.
        let workload: Workload
        /// The resource server that receives the victim's token.
        let resource: Workload
        /// A workload the victim's token does not name.
        let bystander: Workload
        let token: String
    }

    static func fixture() async throws -> Fixture {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload(
            "payments", extra: ["audiences": ["spiffe://example.org/ledger", "https://bank.example"]])
        let resource = try await server.registerWorkload("ledger", extra: ["audiences": ["https://bank.example"]])
        let bystander = try await server.registerWorkload("bystander", extra: ["audiences": ["https://bank.example"]])
        let reply = try await server.requestToken(workload) { $0["audience"] = "spiffe://example.org/ledger" }
        let token = try #require(reply.json["access_token"] as? String, "\(reply.json)")
        return Fixture(server: server, workload: workload, resource: resource, bystander: bystander, token: token)
    }

    static func exchange(_ server: TestServer, subject: String, _ extra: [String: String] = [:]) async throws
        -> TestServer.Reply
    {
        var fields = [
            "grant_type": TokenExchangeTests.grant, "subject_token": subject,
            "subject_token_type": TokenExchangeTests.accessToken,
        ]
        fields.merge(extra) { $1 }
        return try await server.form("/oauth2/token", fields)
    }

    static func clientAuth(_ workload: Workload, _ server: TestServer) throws -> [String: String] {
        [
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": try workload.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
        ]
    }

    @Test func aBearerSubjectTokenAloneBuysNothing() async throws {
        let f = try await Self.fixture()
        // The resource server replays the token it received, unauthenticated, for another audience of the victim.
        let stolen = try await Self.exchange(f.server, subject: f.token, ["audience": "https://bank.example"])
        #expect(stolen.status == 401, "\(stolen.json)")
        #expect(stolen.json["error"] as? String == "invalid_client")
        #expect(stolen.json["access_token"] == nil)
    }

    /// Attacker finding (docs/threat-model.md): an exchange that verified two assertions (a subject assertion and a client
    /// assertion) stored only one with its record; after a restart the other was accepted again.
    @Test func everyAssertionAnExchangeVerifiedIsSingleUseAcrossARestart() async throws {
        let directory = NSTemporaryDirectory() + "tessera-exchange-replay-" + UUID().uuidString
        let kek = TestServer.freshKEK()
        let issuer = "https://tessera.test"
        let first = try await TestServer.start(dataDirectory: directory, kek: kek) { $0.issuer = issuer }
        let workload = try await first.registerWorkload("double-assertion")
        let endpoint = issuer + "/oauth2/token"
        let subject = try workload.assertion(audience: endpoint, now: first.clock.now(), lifetime: 120)
        let client = try workload.assertion(audience: endpoint, now: first.clock.now(), lifetime: 120)
        let exchanged = try await first.form(
            "/oauth2/token",
            [
                "grant_type": TokenExchangeTests.grant, "subject_token": subject, "subject_token_type": TokenExchangeTests.jwt,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": client,
            ])
        #expect(exchanged.status == 200, "\(exchanged.json)")
        await first.stop()

        let second = try await TestServer.start(dataDirectory: directory, kek: kek, clock: first.clock) { $0.issuer = issuer }
        for (name, assertion) in [("subject assertion", subject), ("client assertion", client)] {
            let replayed = try await second.requestToken(workload, assertion: assertion)
            #expect(replayed.status == 401, "\(name): \(replayed.json)")
            #expect((replayed.json["error_description"] as? String ?? "").contains("replay"), "\(name)")
        }
    }

    /// Attacker finding (docs/threat-model.md): replaying a stolen bearer token without proving anything is counted (records per
    /// source and reason code, whose sample reason names the token's jti), not one durable record per request.
    @Test func aStolenTokenReplayedUnauthenticatedIsCountedNotRecordedPerRequest() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 0.2 }
        let workload = try await server.registerWorkload("victim", extra: ["audiences": ["https://bank.example"]])
        let token = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        let jti = try #require(decodeClaims(token)["jti"] as? String)
        let before = try await server.auditRecords().count
        let statuses = try await AuditFloodAttackTests.flood(60) { _ in
            try await Self.exchange(server, subject: token, ["audience": "https://bank.example"]).status
        }
        #expect(statuses.allSatisfy { $0 == 401 })
        let counted = try await AuditFloodAttackTests.expectCountedNotRecorded(
            server, type: "token.refused", expected: 60, after: before)
        #expect(counted.allSatisfy { ($0["sample_reason"] as? String ?? "").contains(jti) }, "the count names the stolen token")
    }

    @Test func aBearerAccessTokenIsNeverAnActorCredential() async throws {
        let f = try await Self.fixture()
        // The attacker holds the bystander's bearer token and names it as the actor, without the bystander's key.
        let bystanderToken = try #require(try await f.server.requestToken(f.bystander).json["access_token"] as? String)
        let reply = try await Self.exchange(
            f.server, subject: f.token,
            [
                "actor_token": bystanderToken, "actor_token_type": TokenExchangeTests.accessToken,
                "audience": "https://bank.example",
            ])
        #expect(reply.json["error"] as? String == "invalid_client", "\(reply.json)")
        #expect((reply.json["error_description"] as? String ?? "").contains("bearer access token"))
    }

    @Test func onlyAPartyTheTokenNamesMayExchangeIt() async throws {
        let f = try await Self.fixture()
        // An authenticated workload the token does not name (neither aud nor may_act) is refused.
        let foreign = try await Self.exchange(
            f.server, subject: f.token,
            try Self.clientAuth(f.bystander, f.server).merging(["audience": "https://bank.example"]) { $1 })
        #expect(foreign.json["error"] as? String == "invalid_grant", "\(foreign.json)")
        #expect(foreign.json["access_token"] == nil)

        // The resource server it names authenticates and acts for the victim: it joins the chain, it does not become it.
        let named = try await Self.exchange(
            f.server, subject: f.token,
            try Self.clientAuth(f.resource, f.server).merging(["audience": "https://bank.example"]) { $1 })
        #expect(named.status == 200, "\(named.json)")
        let claims = decodeClaims(try #require(named.json["access_token"] as? String))
        #expect(claims["sub"] as? String == f.workload.clientID)
        #expect(claims["client_id"] as? String == f.resource.clientID)
        #expect((claims["act"] as? [String: Any])?["sub"] as? String == f.resource.clientID)
        #expect(claims["parent_jti"] as? [String] == [try #require(decodeClaims(f.token)["jti"] as? String)])
    }

    @Test func aTaskOnlyNarrowsWhatTheSubjectTokenCarries() async throws {
        let f = try await Self.fixture()
        let created = try await f.server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "reconcile", "identities": [f.workload.clientID, f.resource.clientID], "scopes": ["invoices:read"],
                "ttl": 600, "initiator": "alice@example.com",
            ])
        let taskID = try #require(created.json["id"] as? String, "\(created.json)")
        // The token was issued outside any task; another workload may not put it into one.
        let added = try await Self.exchange(
            f.server, subject: f.token,
            try Self.clientAuth(f.resource, f.server).merging(["audience": "https://bank.example", "task_id": taskID]) { $1 })
        #expect(added.json["error"] as? String == "invalid_request", "\(added.json)")
        #expect((added.json["error_description"] as? String ?? "").contains("task_id"))
    }

    @Test func revokingTheParentRevokesEveryTokenExchangedFromIt() async throws {
        let f = try await Self.fixture()
        let child = try await Self.exchange(
            f.server, subject: f.token,
            try Self.clientAuth(f.resource, f.server).merging(["audience": "https://bank.example"]) { $1 })
        let childToken = try #require(child.json["access_token"] as? String, "\(child.json)")
        let issued = try await TokenExchangeTests.lastRecord(f.server, type: "token.issued")
        let parentJTI = try #require(decodeClaims(f.token)["jti"] as? String)
        #expect((issued["details"] as? [String: Any])?["parent_jti"] as? [String] == [parentJTI], "the audit names the parent")

        func active(_ token: String) async throws -> Bool {
            let reply = try await f.server.form(
                "/oauth2/introspect", ["token": token], headers: ["Authorization": "Bearer \(f.server.adminToken)"])
            return reply.json["active"] as? Bool ?? false
        }
        #expect(try await active(childToken))
        let revoked = try await f.server.form(
            "/oauth2/revoke", ["token": f.token], headers: ["Authorization": "Bearer \(f.server.adminToken)"])
        #expect(revoked.status == 200)
        #expect(try await !active(f.token))
        #expect(try await !active(childToken), "the exchanged copy dies with its parent")
        // Nor can the child be exchanged again.
        let again = try await Self.exchange(
            f.server, subject: childToken,
            try Self.clientAuth(f.resource, f.server).merging(["audience": "https://bank.example"]) { $1 })
        #expect(again.json["error"] as? String == "invalid_grant", "\(again.json)")
    }
}
