import Crypto
import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

/// Tessera's own resource routes accept only tokens minted for Tessera,
/// and a sender-constrained token only with its proof (DPoP) or its certificate (mTLS).
@Suite(.serialized, .stopsServers) struct ResourceRouteAttackTests {
    struct Agent {
        let server: TestServer
        let agent: Workload
        let taskID: String
    }

    static func agent(_ server: TestServer) async throws -> Agent {
        let agent = try await server.registerWorkload(
            "route-agent", scopes: [],
            extra: [
                "kind": "ai-agent", "audiences": ["https://crm.example"],
                "auth_methods": ["private_key_jwt", "tls_client_auth"],
            ])
        let catalogue = try await server.admin(
            "PUT", "/v1/identities/\(agent.id)/tools",
            json: ["tools": [["name": "search_tickets", "description": "Search", "risk": "low"]]])
        #expect(catalogue.status == 200)
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "triage", "identities": [agent.clientID], "scopes": ["tool:search_tickets"], "ttl": 900,
                "initiator": "alice@example.com",
            ])
        return Agent(server: server, agent: agent, taskID: try #require(task.json["id"] as? String))
    }

    /// A task token for `a`, bound to `key` with a DPoP proof for `endpoint` (the server's token endpoint URL).
    static func dpopBoundToken(_ server: TestServer, _ a: Agent, key: DPoPTests.ProofKey, endpoint: String) async throws -> String
    {
        let now = server.clock.now()
        let issued = try await server.send(
            "POST", "/oauth2/token",
            body: Data(
                TestServer.encode([
                    "grant_type": "client_credentials", "task_id": a.taskID,
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": try a.agent.assertion(audience: endpoint, now: now),
                ]).utf8), contentType: "application/x-www-form-urlencoded",
            headers: ["DPoP": try key.proof(url: endpoint, iat: now)])
        return try #require(issued.json["access_token"] as? String, "\(issued.json)")
    }

    static func tools(_ server: TestServer, _ headers: [String: String]) async throws -> Int {
        try await server.send("GET", "/v1/authorize/tools", headers: headers).status
    }

    @Test func aTokenForAnotherAudienceIsRefused() async throws {
        let server = try await TestServer.start()
        let a = try await Self.agent(server)
        let foreign = try #require(
            try await server.requestToken(a.agent) {
                $0["task_id"] = a.taskID
                $0["audience"] = "https://crm.example"
            }.json["access_token"] as? String)
        let reply = try await server.send("GET", "/v1/authorize/tools", headers: ["Authorization": "Bearer \(foreign)"])
        #expect(reply.status == 401)
        #expect((reply.json["detail"] as? String ?? "").contains("aud"))
        let call = try await server.send(
            "POST", "/v1/authorize/tool-call", body: Data(#"{"tool":"search_tickets"}"#.utf8), contentType: "application/json",
            headers: ["Authorization": "Bearer \(foreign)"])
        #expect(call.status == 401)
        let secrets = try await server.send(
            "POST", "/v1/secrets/postgres", body: Data(#"{"role":"x"}"#.utf8), contentType: "application/json",
            headers: ["Authorization": "Bearer \(foreign)"])
        #expect(secrets.status == 401 || secrets.status == 404, "no route without dynamic secrets, else refused")
        // The same agent with a token for Tessera itself is served.
        let own = try #require(
            try await server.requestToken(a.agent) { $0["task_id"] = a.taskID }.json["access_token"] as? String)
        #expect(try await Self.tools(server, ["Authorization": "Bearer \(own)"]) == 200)
    }

    @Test func aDPoPBoundTokenNeedsAFreshProofForThisRequest() async throws {
        let server = try await TestServer.start()
        let a = try await Self.agent(server)
        let key = DPoPTests.ProofKey()
        let now = server.clock.now()
        let token = try await Self.dpopBoundToken(server, a, key: key, endpoint: server.tokenEndpoint)
        let url = server.base + "/v1/authorize/tools"
        let ath = Base64URL.encode(Data(SHA256.hash(data: Data(token.utf8))))

        #expect(try await Self.tools(server, ["Authorization": "Bearer \(token)"]) == 401, "bound token sent as a bearer")
        #expect(try await Self.tools(server, ["Authorization": "DPoP \(token)"]) == 401, "no proof")
        let otherKey = try DPoPTests.ProofKey().proof(url: url, method: "GET", iat: now, ath: ath)
        #expect(try await Self.tools(server, ["Authorization": "DPoP \(token)", "DPoP": otherKey]) == 401, "another key")
        let wrongURL = try key.proof(url: server.base + "/v1/approvals/x", method: "GET", iat: now, ath: ath)
        #expect(
            try await Self.tools(server, ["Authorization": "DPoP \(token)", "DPoP": wrongURL]) == 401, "htu of another route")
        let noATH = try key.proof(url: url, method: "GET", iat: now)
        #expect(try await Self.tools(server, ["Authorization": "DPoP \(token)", "DPoP": noATH]) == 401, "no ath")

        let proof = try key.proof(url: url, method: "GET", iat: now, ath: ath)
        #expect(try await Self.tools(server, ["Authorization": "DPoP \(token)", "DPoP": proof]) == 200)
        #expect(try await Self.tools(server, ["Authorization": "DPoP \(token)", "DPoP": proof]) == 401, "replayed proof")
    }

    /// Attacker finding (docs/threat-model.md): on SQLite a resource-route proof was remembered only in memory, so the same
    /// proof passed again after a restart within its window.
    @Test func aDPoPProofIsSingleUseAcrossARestart() async throws {
        let directory = NSTemporaryDirectory() + "tessera-dpop-replay-" + UUID().uuidString
        let kek = TestServer.freshKEK()
        let issuer = "https://tessera.test"
        let first = try await TestServer.start(dataDirectory: directory, kek: kek) { $0.issuer = issuer }
        let a = try await Self.agent(first)
        let key = DPoPTests.ProofKey()
        let now = first.clock.now()
        let token = try await Self.dpopBoundToken(first, a, key: key, endpoint: issuer + "/oauth2/token")
        let ath = Base64URL.encode(Data(SHA256.hash(data: Data(token.utf8))))
        let proof = try key.proof(url: issuer + "/v1/authorize/tools", method: "GET", iat: now, ath: ath)
        #expect(try await Self.tools(first, ["Authorization": "DPoP \(token)", "DPoP": proof]) == 200)
        await first.stop()

        let second = try await TestServer.start(dataDirectory: directory, kek: kek, clock: first.clock) { $0.issuer = issuer }
        #expect(
            try await Self.tools(second, ["Authorization": "DPoP \(token)", "DPoP": proof]) == 401, "proof replayed after restart"
        )
        let fresh = try key.proof(url: issuer + "/v1/authorize/tools", method: "GET", iat: now, ath: ath)
        #expect(
            try await Self.tools(second, ["Authorization": "DPoP \(token)", "DPoP": fresh]) == 200, "a fresh proof is served")
    }

    @Test func aCertificateBoundTokenNeedsItsCertificate() async throws {
        let folder = try await MutualTLSTests.serverCertificate()
        let server = try await MutualTLSTests.start(folder: folder)
        let a = try await Self.agent(server)
        _ = try MutualTLSTests.issueSVID(server, a.agent.clientID, folder: folder, name: "agent")
        _ = try MutualTLSTests.issueSVID(server, "spiffe://example.org/someone-else", folder: folder, name: "other")
        let tls = try #require(server.tlsBase)
        func curl(_ arguments: [String]) async throws -> (Int, [String: Any]) {
            let (_, output) = try await MutualTLSTests.run(
                "/usr/bin/curl",
                [
                    "-sS", "--retry", "20", "--retry-connrefused", "--retry-delay", "1", "--cacert", folder + "/server.pem",
                    "-w", "\n%{http_code}",
                ] + arguments)
            let lines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let body = Data(lines.dropLast().joined(separator: "\n").utf8)
            return (Int(lines.last ?? "") ?? 0, (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:])
        }
        let (status, json) = try await curl([
            "--cert", folder + "/agent.pem", "--key", folder + "/agent-key.pem",
            "--data", TestServer.encode(["grant_type": "client_credentials", "task_id": a.taskID]), tls + "/oauth2/token",
        ])
        #expect(status == 200, "\(json)")
        let token = try #require(json["access_token"] as? String)
        #expect((decodeClaims(token)["cnf"] as? [String: Any])?["x5t#S256"] != nil)

        #expect(try await Self.tools(server, ["Authorization": "Bearer \(token)"]) == 401, "over plain HTTP, no certificate")
        let other = try await curl([
            "--cert", folder + "/other.pem", "--key", folder + "/other-key.pem", "-H", "Authorization: Bearer \(token)",
            tls + "/v1/authorize/tools",
        ])
        #expect(other.0 == 401, "another certificate")
        let own = try await curl([
            "--cert", folder + "/agent.pem", "--key", folder + "/agent-key.pem", "-H", "Authorization: Bearer \(token)",
            tls + "/v1/authorize/tools",
        ])
        #expect(own.0 == 200, "\(own.1)")
    }
}
