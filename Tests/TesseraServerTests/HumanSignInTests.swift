import Foundation
import TesseraCore
import TesseraServer
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// People sign in through an IdP (authorization code + PKCE), get short role-bound admin sessions, start tasks
/// and delegate them to workloads. The IdP is a stand-in served over real HTTP.
@Suite struct HumanSignInTests {
    /// Stops URLSession from following redirects, so each hop can be inspected.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    struct IdP {
        let stub: StubIssuerServer
        let key: ExternalIssuerKey
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
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        let (_, response) = try await session.data(from: URL(string: url)!)
        let http = response as! HTTPURLResponse
        return (http.statusCode, (http.value(forHTTPHeaderField: "Location")).flatMap(URLComponents.init(string:)))
    }

    /// Runs the whole sign-in as a browser would; the IdP answers with an ID token for `claims`.
    static func signIn(_ server: TestServer, idp: IdP, claims: [String: Any], nonceOverride: String? = nil) async throws
        -> (Int, URLComponents?)
    {
        let (status, authorize) = try await location(server.base + "/auth/login?return_to=http://127.0.0.1:9/done")
        #expect(status == 302)
        let items = authorize?.queryItems ?? []
        func item(_ name: String) -> String? { items.first { $0.name == name }?.value }
        #expect(item("code_challenge_method") == "S256")
        #expect(item("code_challenge")?.isEmpty == false)
        let nonce = try #require(item("nonce"))
        let state = try #require(item("state"))
        var all = claims
        all["aud"] = "tessera-console"
        all["nonce"] = nonceOverride ?? nonce
        let idToken = try idp.key.mint(all, now: server.clock.now())
        idp.stub.serve("/token", #"{"access_token":"x","token_type":"Bearer","id_token":"\#(idToken)"}"#)
        return try await location(server.base + "/auth/callback?code=abc&state=\(state)")
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
        defer { Task { await server.stop() } }
        let agent = try await server.registerWorkload("assistant", extra: ["kind": "ai-agent", "audiences": ["https://tool"]])

        let (status, back) = try await Self.signIn(
            server, idp: idp, claims: ["sub": "u-1", "email": "alice@example.com", "groups": ["ops", "other"]])
        #expect(status == 302)
        #expect(back?.host == "127.0.0.1")
        let session = try #require(back?.queryItems?.first { $0.name == "session" }?.value)
        #expect(back?.queryItems?.first { $0.name == "role" }?.value == "operator")
        let claims = decodeClaims(session)
        #expect(claims["sub"] as? String == "human:alice@example.com")
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
        #expect(task.json["initiator"] as? String == "human:alice@example.com")
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
        #expect(token["sub"] as? String == "human:alice@example.com")
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
        defer { Task { await server.stop() } }
        let (_, back) = try await Self.signIn(
            server, idp: idp, claims: ["sub": "u-2", "email": "val@example.com", "groups": ["readers"]])
        let session = try #require(back?.queryItems?.first { $0.name == "session" }?.value)
        #expect(try await server.admin("GET", "/v1/issuers", token: session).status == 200)
        #expect(try await server.admin("POST", "/v1/tasks", json: ["intent": "x"], token: session).status == 403)
        let denied = try #require(try await server.auditRecords().last { $0["type"] as? String == "admin.forbidden" })
        #expect(denied["actor"] as? String == "human:val@example.com")

        let (refusedStatus, _) = try await Self.signIn(
            server, idp: idp, claims: ["sub": "u-3", "email": "eve@example.com", "groups": ["nobody"]])
        #expect(refusedStatus == 403)
        let (badNonce, _) = try await Self.signIn(
            server, idp: idp, claims: ["sub": "u-4", "email": "mallory@example.com", "groups": ["platform"]],
            nonceOverride: "forged")
        #expect(badNonce == 403)
        let refusals = try await server.auditRecords().filter { $0["type"] as? String == "human.sign_in_refused" }
        #expect(refusals.count == 2)
        // A replayed callback (state already used) is refused.
        #expect(try await Self.location(server.base + "/auth/callback?code=abc&state=reused").0 == 400)
        // Only loopback redirects receive a session.
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
