import Foundation
import TesseraCore
import TesseraCrypto
import TesseraServer
import TesseraStore
import TesseraTestSupport
import Testing

/// Roles at `/oauth2/revoke`, client assertions remembered
/// across restarts whatever endpoint used them, and assertions with several audiences.
@Suite(.serialized, .stopsServers) struct OAuthEndpointAttackTests {
    /// Mints an admin credential with `role` straight into the server's database (as `tessera` would for a person).
    static func adminToken(_ server: TestServer, role: String) async throws -> String {
        let (token, record) = AdminAuthenticator.mint(name: "\(role)-person", role: role, at: server.clock.now())
        try await SQLiteStorage(directory: server.dataDirectory).adminTokens.insert(record)
        return token
    }

    @Test func aViewerMayIntrospectButNotRevoke() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("revoke-target")
        let token = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        let viewer = try await Self.adminToken(server, role: "viewer")
        let operatorToken = try await Self.adminToken(server, role: "operator")

        let introspected = try await server.form(
            "/oauth2/introspect", ["token": token], headers: ["Authorization": "Bearer \(viewer)"])
        #expect(introspected.json["active"] as? Bool == true)
        // The viewer tries to revoke the workload's token and the admin's own bootstrap credential.
        let refused = try await server.form("/oauth2/revoke", ["token": token], headers: ["Authorization": "Bearer \(viewer)"])
        #expect(refused.status == 403, "\(refused.json)")
        #expect(refused.json["error"] as? String == "unauthorized_client")
        let still = try await server.form("/oauth2/introspect", ["token": token], headers: ["Authorization": "Bearer \(viewer)"])
        #expect(still.json["active"] as? Bool == true, "nothing was revoked")
        let revoked = try await server.form(
            "/oauth2/revoke", ["token": token], headers: ["Authorization": "Bearer \(operatorToken)"])
        #expect(revoked.status == 200)
        let after = try await server.form("/oauth2/introspect", ["token": token], headers: ["Authorization": "Bearer \(viewer)"])
        #expect(after.json["active"] as? Bool == false)
    }

    @Test func anAssertionUsedAtIntrospectionIsRememberedAcrossARestart() async throws {
        let directory = NSTemporaryDirectory() + "tessera-replay-" + UUID().uuidString
        let kek = TestServer.freshKEK()
        // One issuer for both runs (the port changes; the assertion's audience must not).
        let issuer = "https://tessera.test"
        let first = try await TestServer.start(dataDirectory: directory, kek: kek) { $0.issuer = issuer }
        let workload = try await first.registerWorkload("replayer")
        let token = try #require(
            try await first.requestToken(
                workload, assertion: try workload.assertion(audience: issuer, now: first.clock.now())
            ).json["access_token"] as? String)
        let assertion = try workload.assertion(audience: issuer + "/oauth2/token", now: first.clock.now(), lifetime: 120)
        let fields = [
            "token": token, "client_assertion_type": ClientAssertionVerifier.assertionType, "client_assertion": assertion,
        ]
        let introspected = try await first.form("/oauth2/introspect", fields)
        #expect(introspected.json["active"] as? Bool == true, "\(introspected.json)")
        await first.stop()

        let second = try await TestServer.start(dataDirectory: directory, kek: kek, clock: first.clock) { $0.issuer = issuer }
        // The attacker captured the assertion and replays it at the token endpoint after the restart.
        let replayed = try await second.requestToken(workload, assertion: assertion)
        #expect(replayed.status == 401, "\(replayed.json)")
        #expect((replayed.json["error_description"] as? String ?? "").contains("replay"))
        #expect(replayed.json["access_token"] == nil)
    }

    @Test func anAssertionRefusedAfterItVerifiedIsRememberedAcrossARestart() async throws {
        let directory = NSTemporaryDirectory() + "tessera-replay-" + UUID().uuidString
        let kek = TestServer.freshKEK()
        let issuer = "https://tessera.test"
        let first = try await TestServer.start(dataDirectory: directory, kek: kek) { $0.issuer = issuer }
        let workload = try await first.registerWorkload("refused-replayer")
        let assertion = try workload.assertion(audience: issuer + "/oauth2/token", now: first.clock.now(), lifetime: 120)
        // The assertion verifies, then the request is refused (a scope the workload does not hold): no token, and
        // no issuance record to carry the jti.
        let refused = try await first.requestToken(workload, assertion: assertion) { $0["scope"] = "admin:everything" }
        #expect(refused.status == 400, "\(refused.json)")
        #expect(refused.json["access_token"] == nil)
        await first.stop()

        let second = try await TestServer.start(dataDirectory: directory, kek: kek, clock: first.clock) { $0.issuer = issuer }
        let replayed = try await second.requestToken(workload, assertion: assertion)
        #expect(replayed.status == 401, "\(replayed.json)")
        #expect((replayed.json["error_description"] as? String ?? "").contains("replay"))
        #expect(replayed.json["access_token"] == nil)
    }

    @Test func anAssertionForSeveralAudiencesIsRefused() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("multi-aud")
        let now = Int(server.clock.now().timeIntervalSince1970)
        let claims = """
            {"iss":"\(workload.clientID)","sub":"\(workload.clientID)","aud":["\(server.tokenEndpoint)","https://other.example"],\
            "exp":\(now + 60),"iat":\(now),"jti":"\(UUID().uuidString)"}
            """
        let assertion = try forgeJWS(header: #"{"alg":"ES256","typ":"JWT"}"#, claims: claims, key: workload.key)
        let reply = try await server.requestToken(workload, assertion: assertion)
        #expect(reply.status == 401)
        #expect((reply.json["error_description"] as? String ?? "").contains("exactly one"))
    }

    /// A client id is a SPIFFE ID: an assertion whose iss is not ASCII is refused before the inventory lookup hashes it
    /// (a String is hashed after Unicode normalisation; a long run of combining marks made that slow), and a jti with
    /// a NUL is malformed (SQLite cut the stored replay key at the NUL, so it could be replayed after a restart).
    @Test func assertionsWithHostileStringsAreRefusedBeforeTheirLookup() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("hostile-strings")
        let now = Int(server.clock.now().timeIntervalSince1970)
        // Each assertion is signed with the workload's real key: only the hostile string differs.
        func expectRefused(iss: String, jti: String, saying description: String) async throws {
            let claims = """
                {"iss":"\(iss)","sub":"\(iss)","aud":"\(server.tokenEndpoint)","exp":\(now + 60),"iat":\(now),"jti":"\(jti)"}
                """
            let reply = try await server.requestToken(
                workload, assertion: try forgeJWS(header: #"{"alg":"ES256","typ":"JWT"}"#, claims: claims, key: workload.key))
            #expect(reply.status == 401)
            #expect((reply.json["error_description"] as? String ?? "").contains(description), "\(reply.json)")
        }
        let marks = String(repeating: "\u{345}\u{301}\u{316}\u{327}", count: 200)
        try await expectRefused(iss: workload.clientID + marks, jti: UUID().uuidString, saying: "must be a SPIFFE ID")
        try await expectRefused(iss: workload.clientID, jti: "r\\u0000" + UUID().uuidString, saying: "malformed")
    }
}
