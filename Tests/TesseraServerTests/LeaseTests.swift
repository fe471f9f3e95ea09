import Foundation
import TesseraSecrets
import TesseraServer
import TesseraTestSupport
import Testing

@Suite(.serialized, .stopsServers) struct LeaseTests {
    private func introspect(_ server: TestServer, _ token: String) async throws -> [String: Any] {
        try await server.form("/oauth2/introspect", ["token": token], headers: ["Authorization": "Bearer \(server.adminToken)"])
            .json
    }

    @Test func operatorsListAndRevokeLeasesOneByOneOrPerIdentity() async throws {
        let server = try await TestServer.start()
        let worker = try await server.registerWorkload("lease-worker")
        let bystander = try await server.registerWorkload("lease-bystander")
        let first = try #require(try await server.requestToken(worker).json["access_token"] as? String)
        let second = try #require(try await server.requestToken(worker).json["access_token"] as? String)
        let third = try #require(try await server.requestToken(worker).json["access_token"] as? String)
        let other = try #require(try await server.requestToken(bystander).json["access_token"] as? String)

        let listed = try await server.admin("GET", "/v1/leases?subject=\(worker.clientID)&state=live")
        let leases = try #require(listed.json["leases"] as? [[String: Any]])
        #expect(leases.count == 3)
        #expect(Set(leases.compactMap { $0["kind"] as? String }) == ["access_token"])
        let firstJTI = try #require(try await introspect(server, first)["jti"] as? String)

        // One lease.
        let revoked = try await server.admin("POST", "/v1/leases/\(firstJTI)/revoke", json: ["reason": "leaked in a log"])
        #expect(revoked.status == 200)
        #expect(revoked.json["revoke_reason"] as? String == "leaked in a log")
        #expect(try await introspect(server, first)["active"] as? Bool == false)
        #expect(try await introspect(server, second)["active"] as? Bool == true)
        #expect(try await server.admin("POST", "/v1/leases/\(firstJTI)/revoke").status == 409)
        #expect(try await server.admin("POST", "/v1/leases/nope/revoke").status == 404)

        // Every live credential of one identity, which stays active and can get new ones.
        let bulk = try await server.admin(
            "POST", "/v1/leases/revoke", json: ["subject": worker.clientID, "reason": "rotate all"])
        #expect(bulk.status == 200)
        #expect(bulk.json["revoked_leases"] as? Int == 2)
        #expect(try await introspect(server, second)["active"] as? Bool == false)
        #expect(try await introspect(server, third)["active"] as? Bool == false)
        #expect(try await introspect(server, other)["active"] as? Bool == true, "other identities are untouched")
        let identity = try await server.admin("GET", "/v1/identities/\(worker.id)")
        #expect(identity.json["status"] as? String == "active")
        #expect(try await server.requestToken(worker).status == 200)

        let types = try await server.auditRecords().compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "lease.revoked" }.count == 2)

        for bad in [
            ["subject": "not-a-spiffe-id"], ["subject": worker.clientID, "kinds": ["bananas"]], ["reason": "x"],
            ["subject": worker.clientID, "extra": 1],
        ] as [[String: Any]] {
            #expect(try await server.admin("POST", "/v1/leases/revoke", json: bad).status == 400, "\(bad)")
        }
        #expect(try await server.admin("GET", "/v1/leases?kind=bananas").status == 400)
        #expect(try await server.admin("GET", "/v1/leases?limit=0").status == 400)
    }

    @Test func renewalsAreExplicitAndBoundedByTheTask() async throws {
        let server = try await TestServer.start { $0.maximumTaskTTL = 3600 }
        let worker = try await server.registerWorkload("renewing-worker")
        let created = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "long batch", "identities": [worker.clientID], "scopes": ["invoices:read"], "ttl": 600,
            ])
        let taskID = try #require(created.json["id"] as? String)
        let token = try await server.requestToken(worker) { $0["task_id"] = taskID }
        let accessToken = try #require(token.json["access_token"] as? String)
        let jti = try #require(try await introspect(server, accessToken)["jti"] as? String)

        // Access tokens are signed with a fixed expiry: renewal is refused with a clear reason.
        let notRenewable = try await server.admin("POST", "/v1/leases/\(jti)/renew", json: ["ttl": 300])
        #expect(notRenewable.status == 409)
        #expect((notRenewable.json["detail"] as? String)?.contains("request a new token") == true)

        // The task itself: extended within the hard maximum (counted from its start), never shortened.
        server.clock.advance(by: 300)
        let renewed = try await server.admin("POST", "/v1/tasks/\(taskID)/renew", json: ["ttl": 1800])
        #expect(renewed.status == 200, "\(renewed.json)")
        let before = try #require(created.json["expires_at"] as? String)
        #expect((renewed.json["expires_at"] as? String ?? "") > before)
        let beyond = try await server.admin("POST", "/v1/tasks/\(taskID)/renew", json: ["ttl": 3600])
        #expect(beyond.status == 400)
        #expect((beyond.json["detail"] as? String)?.contains("at most 3600 seconds") == true)
        let shorter = try await server.admin("POST", "/v1/tasks/\(taskID)/renew", json: ["ttl": 60])
        #expect(shorter.status == 400)
        #expect((shorter.json["detail"] as? String)?.contains("only extends") == true)
        #expect(try await server.admin("POST", "/v1/tasks/\(taskID)/renew", json: [:]).status == 400)

        // Tokens issued after the renewal may live until the new deadline (capped by the token TTL as usual).
        let later = try await server.requestToken(worker) { $0["task_id"] = taskID }
        #expect(later.json["expires_in"] as? Int == 300)

        _ = try await server.admin("POST", "/v1/tasks/\(taskID)/end")
        #expect(try await server.admin("POST", "/v1/tasks/\(taskID)/renew", json: ["ttl": 60]).status == 409)
        let types = try await server.auditRecords().compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "task.renewed" }.count == 1)
    }
}

/// A database that is down: a clear error, no credential, no lease left behind.
@Test(.stopsServers) func aDatabaseThatIsDownGetsAClearErrorAndLeavesNothingBehind() async throws {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    let settings = try PostgresConnectionSettings(url: "postgres://admin:Pw-n0t-in-errors@127.0.0.1:1/app")
    let server = try await TestServer.start {
        $0.postgresSecrets = PostgresSecretsConfiguration(
            settings: settings,
            templates: ["read": PostgresRoleTemplate(creation: ["CREATE ROLE {{name}} LOGIN PASSWORD {{password}}"], maxTTL: 600)]
        )
    }
    let worker = try await server.registerWorkload("db-down-worker", scopes: ["db:read"])
    let task = try await server.admin(
        "POST", "/v1/tasks",
        json: [
            "intent": "export", "identities": [worker.clientID], "scopes": ["db:read"], "ttl": 300,
        ])
    let taskID = try #require(task.json["id"] as? String)
    let token = try #require(try await server.requestToken(worker) { $0["task_id"] = taskID }.json["access_token"] as? String)
    let reply = try await server.send(
        "POST", "/v1/secrets/postgres", body: try JSONSerialization.data(withJSONObject: ["role": "read"]),
        contentType: "application/json", headers: ["Authorization": "Bearer \(token)"])
    #expect(reply.status == 502)
    #expect(reply.headers["content-type"]?.contains("problem+json") == true)
    #expect((reply.json["detail"] as? String)?.contains("cannot connect") == true, "\(reply.json)")
    #expect(
        !(String(decoding: reply.body, as: UTF8.self).contains("Pw-n0t-in-errors")), "the admin password never appears in errors")
    let leases = try await server.admin("GET", "/v1/leases?kind=postgres_role")
    #expect((leases.json["leases"] as? [Any])?.isEmpty == true, "no lease for a credential that was never created")
}
