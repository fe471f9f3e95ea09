import Foundation
import TesseraCore
import TesseraServer
import TesseraTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// People sign in through an IdP (authorization code + PKCE), get short role-bound admin sessions, start tasks
/// and delegate them to workloads. The IdP is a stand-in served over real HTTP.
@Suite(.stopsServers) struct HumanSignInTests {
    struct IdP {
        let stub: StubIssuerServer
        let key: ExternalIssuerKey

        /// How Tessera names the person `sub` of this IdP.
        func human(_ sub: String) -> String { HumanName.key(issuer: stub.base, subject: sub) }
    }

    static func idp() throws -> IdP {
        let stub = try StubIssuerServer()
        let key = ExternalIssuerKey(issuer: stub.base, kid: "idp-1")
        stub.serve(
            "/.well-known/openid-configuration",
            #"{"issuer":"\#(stub.base)","authorization_endpoint":"\#(stub.base)/authorize","token_endpoint":"\#(stub.base)/token","jwks_uri":"\#(stub.base)/jwks"}"#
        )
        stub.serve("/jwks", key.jwksText)
        return IdP(stub: stub, key: key)
    }

    static func location(_ url: String) async throws -> (Int, URLComponents?) {
        let hop = try await SignInBrowser().get(url)
        return (hop.status, hop.locationComponents)
    }

    /// Runs the whole sign-in as a browser would; the IdP answers with an ID token for `claims`. `login` is
    /// the query of `/auth/login` (empty for the console; `tessera login` sends its redirect and challenge).
    static func signIn(
        _ server: TestServer, idp: IdP, claims: [String: Any], nonceOverride: String? = nil, login: String = "",
        browser: SignInBrowser = SignInBrowser()
    ) async throws -> SignInBrowser.Hop {
        let start = try await browser.get(server.base + "/auth/login" + login)
        #expect(start.status == 302)
        #expect(browser.cookie("tessera_signin") != nil)
        #expect(start.query("code_challenge_method") == "S256")
        #expect(start.query("code_challenge")?.isEmpty == false)
        let nonce = try #require(start.query("nonce"))
        let state = try #require(start.query("state"))
        var all = claims
        all["aud"] = "tessera-console"
        all["nonce"] = nonceOverride ?? nonce
        let idToken = try idp.key.mint(all, now: server.clock.now())
        idp.stub.serve("/token", #"{"access_token":"x","token_type":"Bearer","id_token":"\#(idToken)"}"#)
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let escaped = state.addingPercentEncoding(withAllowedCharacters: allowed) ?? state
        return try await browser.get(server.base + "/auth/callback?code=abc&state=\(escaped)")
    }

    static func start(_ idp: IdP) async throws -> TestServer {
        let server = try await TestServer.start { configuration in
            configuration.federation.humanIdP = HumanIdPConfiguration(issuer: idp.stub.base, clientID: "tessera-console")
        }
        let trusted = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": idp.stub.base, "kind": "human", "audiences": ["tessera-console"],
                "role_mappings": ["ops": "operator", "readers": "viewer", "platform": "admin"],
            ])
        #expect(trusted.status == 201)
        return server
    }

    @Test func signedInOperatorStartsATaskAndDelegatesIt() async throws {
        let idp = try Self.idp()
        defer { idp.stub.stop() }
        let server = try await Self.start(idp)
        let agent = try await server.registerWorkload("assistant", extra: ["kind": "ai-agent", "audiences": ["https://tool"]])

        let back = try await Self.signIn(
            server, idp: idp,
            claims: ["sub": "u-1", "email": "alice@example.com", "email_verified": true, "groups": ["ops", "other"]])
        #expect(back.status == 200)
        #expect(back.location == nil)
        let session = try #require(back.json["session_token"] as? String)
        #expect(back.json["role"] as? String == "operator")
        #expect(back.json["email"] as? String == "alice@example.com")
        let alice = idp.human("u-1")
        let claims = decodeClaims(session)
        #expect(claims["sub"] as? String == alice)
        #expect(claims["email"] as? String == "alice@example.com")
        #expect((claims["exp"] as? Int ?? .max) - (claims["iat"] as? Int ?? 0) <= 900)

        // Operators read and run tasks, but do not change the inventory.
        #expect(try await server.admin("GET", "/v1/identities", token: session).status == 200)
        let forbidden = try await server.admin(
            "POST", "/v1/identities", json: ["spiffe_id": "spiffe://example.org/x"], token: session)
        #expect(forbidden.status == 403)
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: ["intent": "triage tickets", "identities": [agent.clientID], "scopes": ["invoices:read"], "ttl": 600],
            token: session)
        #expect(task.status == 201, "\(String(decoding: task.body, as: UTF8.self))")
        #expect(task.json["initiator"] as? String == alice)
        let taskID = try #require(task.json["id"] as? String)

        let delegation = try await server.admin(
            "POST", "/v1/delegations", json: ["task_id": taskID, "actor": agent.clientID], token: session)
        #expect(delegation.status == 201, "\(String(decoding: delegation.body, as: UTF8.self))")
        let delegationToken = try #require(delegation.json["delegation_token"] as? String)
        #expect((decodeClaims(delegationToken)["may_act"] as? [String: Any])?["sub"] as? String == agent.clientID)
        // The delegation token is not an admin credential.
        #expect(try await server.admin("GET", "/v1/identities", token: delegationToken).status == 401)

        let exchanged = try await server.form(
            "/oauth2/token",
            [
                "grant_type": TokenExchangeTests.grant, "subject_token": delegationToken,
                "subject_token_type": TokenExchangeTests.accessToken,
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
                "actor_token_type": TokenExchangeTests.jwt, "audience": "https://tool",
            ])
        #expect(exchanged.status == 200, "\(String(decoding: exchanged.body, as: UTF8.self))")
        let token = decodeClaims(try #require(exchanged.json["access_token"] as? String))
        #expect(token["sub"] as? String == alice)
        #expect((token["act"] as? [String: Any])?["sub"] as? String == agent.clientID)
        #expect(token["task_id"] as? String == taskID)

        // The session itself, handed to a workload, is no delegation: it was issued for the admin API only.
        let misused = try await server.form(
            "/oauth2/token",
            [
                "grant_type": TokenExchangeTests.grant, "subject_token": session,
                "subject_token_type": TokenExchangeTests.accessToken,
                "actor_token": try agent.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
                "actor_token_type": TokenExchangeTests.jwt, "audience": "https://tool",
            ])
        #expect(misused.json["error"] as? String == "invalid_grant")
        let signedIn = try #require(try await server.auditRecords().last { $0["type"] as? String == "human.signed_in" })
        #expect((signedIn["details"] as? [String: Any])?["role"] as? String == "operator")
    }

    @Test func viewersOnlyReadAndUnmappedGroupsAreRefused() async throws {
        let idp = try Self.idp()
        defer { idp.stub.stop() }
        let server = try await Self.start(idp)
        let back = try await Self.signIn(
            server, idp: idp, claims: ["sub": "u-2", "email": "val@example.com", "groups": ["readers"]])
        let session = try #require(back.json["session_token"] as? String)
        // The email was not verified by the IdP: it is neither the key nor shown.
        #expect(back.json["email"] == nil)
        #expect(decodeClaims(session)["email"] == nil)
        #expect(try await server.admin("GET", "/v1/issuers", token: session).status == 200)
        #expect(try await server.admin("POST", "/v1/tasks", json: ["intent": "x"], token: session).status == 403)
        let denied = try #require(try await server.auditRecords().last { $0["type"] as? String == "admin.forbidden" })
        #expect(denied["actor"] as? String == idp.human("u-2"))

        let refused = try await Self.signIn(
            server, idp: idp, claims: ["sub": "u-3", "email": "eve@example.com", "groups": ["nobody"]])
        #expect(refused.status == 403)
        let badNonce = try await Self.signIn(
            server, idp: idp, claims: ["sub": "u-4", "email": "mallory@example.com", "groups": ["platform"]],
            nonceOverride: "forged")
        #expect(badNonce.status == 403)
        let refusals = try await server.auditRecords().filter { $0["type"] as? String == "human.sign_in_refused" }
        #expect(refusals.count == 2)
        // A state the server did not seal is refused.
        #expect(try await Self.location(server.base + "/auth/callback?code=abc&state=reused").0 == 400)
        // Only the CLI's exact loopback redirect is accepted; the old return_to is refused.
        #expect(try await Self.location(server.base + "/auth/login?return_to=https://evil.example/steal").0 == 400)
    }

    @Test func rolesFollowTheRouteTable() {
        #expect(AdminRole.permits("viewer", method: .get, path: "/v1/identities"))
        #expect(!AdminRole.permits("viewer", method: .post, path: "/v1/tasks"))
        #expect(AdminRole.permits("operator", method: .post, path: "/v1/tasks/t1/end"))
        #expect(AdminRole.permits("operator", method: .post, path: "/v1/leases/l1/revoke"))
        #expect(!AdminRole.permits("operator", method: .post, path: "/v1/identities"))
        #expect(!AdminRole.permits("operator", method: .post, path: "/v1/tasksx"))
        #expect(AdminRole.permits("admin", method: .delete, path: "/v1/issuers/x"))
        #expect(!AdminRole.permits("root", method: .get, path: "/v1/identities"))
        #expect(AdminRole.highest(groups: ["readers", "ops"], mappings: ["readers": "viewer", "ops": "operator"]) == .operator)
        #expect(AdminRole.highest(groups: ["x"], mappings: ["readers": "viewer"]) == nil)
    }
}
