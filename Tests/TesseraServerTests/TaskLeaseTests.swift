import Foundation
import TesseraCrypto
import TesseraStore
import TesseraTestSupport
import Testing

@Suite(.serialized, .stopsServers) struct TaskLeaseTests {
    private func introspect(_ server: TestServer, _ token: String) async throws -> [String: Any] {
        try await server.form("/oauth2/introspect", ["token": token], headers: ["Authorization": "Bearer \(server.adminToken)"])
            .json
    }

    @Test func taskScopedTokensAreLeasesThatEndWithTheTask() async throws {
        let server = try await TestServer.start()
        let worker = try await server.registerWorkload("worker")
        let outsider = try await server.registerWorkload("outsider")
        let created = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "close the month", "purpose": "billing.close", "identities": [worker.clientID],
                "scopes": ["invoices:read"], "ttl": 600, "initiator": "alice@example.com",
            ])
        #expect(created.status == 201)
        let taskID = try #require(created.json["id"] as? String)
        #expect(created.json["state"] as? String == "open")
        #expect(created.json["initiator"] as? String == "human:alice@example.com")

        let first = try await server.requestToken(worker) { $0["task_id"] = taskID }
        #expect(first.status == 200)
        #expect(first.json["scope"] as? String == "invoices:read", "default scope is the identity's grants within the task")
        let token = try #require(first.json["access_token"] as? String)
        let claims = try JWTClaims.decode(try CompactJWS(parsing: token).payload)
        #expect(claims.taskID == taskID)
        #expect(try await introspect(server, token)["task_id"] as? String == taskID)
        let second = try #require(
            try await server.requestToken(worker) { $0["task_id"] = taskID }.json["access_token"] as? String)

        let outside = try await server.requestToken(worker) {
            $0["task_id"] = taskID
            $0["scope"] = "invoices:write"
        }
        #expect(outside.json["error"] as? String == "invalid_grant")
        #expect((outside.json["error_description"] as? String)?.contains("outside the task") == true)
        let stranger = try await server.requestToken(outsider) { $0["task_id"] = taskID }
        #expect(stranger.json["error"] as? String == "invalid_grant")
        #expect(try await server.requestToken(worker) { $0["task_id"] = "task_nope" }.json["error"] as? String == "invalid_grant")

        let leases = try await server.admin("GET", "/v1/tasks/\(taskID)/leases")
        #expect((leases.json["leases"] as? [[String: Any]])?.count == 2)

        let ended = try await server.admin("POST", "/v1/tasks/\(taskID)/end", json: ["reason": "done"])
        #expect(ended.status == 200)
        #expect(ended.json["state"] as? String == "ended")
        #expect(ended.json["revoked_leases"] as? Int == 2)
        #expect(try await introspect(server, token)["active"] as? Bool == false)
        #expect(try await introspect(server, second)["active"] as? Bool == false)
        let late = try await server.requestToken(worker) { $0["task_id"] = taskID }
        #expect((late.json["error_description"] as? String)?.contains("ended") == true)
        #expect(try await server.admin("POST", "/v1/tasks/\(taskID)/end").status == 409)
    }

    @Test func tasksExpireOnTheirDeadline() async throws {
        let server = try await TestServer.start()
        let worker = try await server.registerWorkload("short-lived")
        let created = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "one batch", "identities": [worker.clientID], "scopes": ["invoices:read"], "ttl": 60,
            ])
        let taskID = try #require(created.json["id"] as? String)
        let token = try await server.requestToken(worker) { $0["task_id"] = taskID }.json
        #expect(token["expires_in"] as? Int == 60, "a task's tokens never outlive the task")
        server.clock.advance(by: 61)
        // The expiry sweeper runs every half second and records the new state (listing reads stored state).
        var expired: [String] = []
        for _ in 0..<30 {
            let listed = try await server.admin("GET", "/v1/tasks?state=expired").json["tasks"] as? [[String: Any]] ?? []
            expired = listed.compactMap { $0["id"] as? String }
            if expired.contains(taskID) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(expired == [taskID])
        let late = try await server.requestToken(worker) { $0["task_id"] = taskID }
        #expect((late.json["error_description"] as? String)?.contains("expired") == true)
    }

    @Test func suspendingAnIdentityRevokesItsLiveTokens() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("suspendable")
        let token = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        #expect(try await introspect(server, token)["active"] as? Bool == true)
        let suspended = try await server.admin("POST", "/v1/identities/\(workload.id)/suspend", json: ["reason": "compromised"])
        #expect(suspended.status == 200)
        #expect(try await introspect(server, token)["active"] as? Bool == false)
        #expect(try await server.admin("POST", "/v1/identities/\(workload.id)/activate").status == 200)
        #expect(try await introspect(server, token)["active"] as? Bool == false, "reactivation does not resurrect revoked tokens")
    }

    @Test func taskInputIsValidated() async throws {
        let server = try await TestServer.start()
        let good: [String: Any] = ["intent": "x", "identities": ["spiffe://example.org/a"], "ttl": 60]
        func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var body = good
            change(&body)
            return body
        }
        for (body, words) in [
            (with { $0["ttl"] = nil }, "ttl"), (with { $0["ttl"] = 10 * 86_400 }, "ttl"),
            (with { $0["identities"] = ["not-spiffe"] }, "SPIFFE"), (with { $0["intent"] = " " }, "intent"),
            (with { $0["identities"] = nil }, "identities"), (with { $0["colour"] = "red" }, "unknown field"),
        ] {
            let reply = try await server.admin("POST", "/v1/tasks", json: body)
            #expect(reply.status == 400)
            #expect((reply.json["detail"] as? String)?.contains(words) == true, "\(reply.json)")
        }
        #expect(try await server.admin("POST", "/v1/tasks", json: good).status == 201)
    }
}

@Test(.stopsServers) func revocationListIsSignedCacheableAndCurrent() async throws {
    let server = try await TestServer.start()
    let workload = try await server.registerWorkload("listed")
    let token = try #require(try await server.requestToken(workload).json["access_token"] as? String)
    let jti = try #require(try JWTClaims.decode(try CompactJWS(parsing: token).payload).jti)
    _ = try await server.form("/oauth2/revoke", ["token": token], headers: ["Authorization": "Bearer \(server.adminToken)"])

    let reply = try await server.send("GET", "/oauth2/revocations")
    #expect(reply.status == 200)
    let etag = try #require(reply.headers["etag"])
    let list = try CompactJWS(parsing: String(decoding: reply.body, as: UTF8.self))
    #expect(list.header.typ == "revocation-list+jwt")
    let jwks = try JSONDecoder().decode(JWKSet.self, from: try await server.send("GET", "/.well-known/jwks.json").body)
    try list.verify(with: try KeyedVerificationKey.from(jwks))
    let claims = try JSONSerialization.jsonObject(with: list.payload) as? [String: Any] ?? [:]
    let revoked = (claims["revoked"] as? [[String: Any]] ?? []).compactMap { $0["jti"] as? String }
    #expect(revoked == [jti])
    #expect(claims["iss"] as? String == server.base)

    let cached = try await server.send("GET", "/oauth2/revocations", headers: ["If-None-Match": etag])
    #expect(cached.status == 304)
    server.clock.advance(by: 301)
    let later = try await server.send("GET", "/oauth2/revocations", headers: ["If-None-Match": etag])
    #expect(later.status == 200, "an expired token leaves the list, so the list changes")
}
