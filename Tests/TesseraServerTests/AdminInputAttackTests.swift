import Foundation
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// A task's initiator, hostile admin input, problem details everywhere.
@Suite(.stopsServers) struct AdminInputAttackTests {
    /// A credential with `role` minted straight into the server's database (as `tessera` would for a person).
    static func token(_ server: TestServer, role: String) async throws -> String {
        let (token, record) = AdminAuthenticator.mint(name: "\(role)-person", role: role, at: server.clock.now())
        try await SQLiteStorage(directory: server.dataDirectory).adminTokens.insert(record)
        return token
    }

    static func isProblem(_ reply: TestServer.Reply, _ status: Int) -> Bool {
        reply.status == status && reply.headers["content-type"] == "application/problem+json"
            && reply.json["status"] as? Int == status && reply.json["detail"] is String
    }

    @Test func onlyAnAdminNamesATasksInitiator() async throws {
        let server = try await TestServer.start()
        let operatorToken = try await Self.token(server, role: "operator")
        let body: [String: Any] = ["intent": "rotate", "identities": ["spiffe://example.org/a"], "ttl": 600]

        // The operator tries to start a task in the CEO's name.
        var forged = body
        forged["initiator"] = "ceo@example.com"
        let refused = try await server.admin("POST", "/v1/tasks", json: forged, token: operatorToken)
        #expect(Self.isProblem(refused, 403), "\(refused.json)")
        let own = try await server.admin("POST", "/v1/tasks", json: body, token: operatorToken)
        #expect(own.status == 201)
        #expect((own.json["initiator"] as? String)?.hasPrefix("admin:adm_") == true)
        #expect(own.json["initiator"] as? String != "human:ceo@example.com")
        // An admin may record who asked for the task.
        let named = try await server.admin("POST", "/v1/tasks", json: forged)
        #expect(named.status == 201)
        #expect(named.json["initiator"] as? String == "human:ceo@example.com")
    }

    @Test func taskMembersComeFromThisTrustDomain() async throws {
        let server = try await TestServer.start()
        let foreign = try await server.admin(
            "POST", "/v1/tasks", json: ["intent": "x", "identities": ["spiffe://evil.example/agent"], "ttl": 600])
        #expect(Self.isProblem(foreign, 400), "\(foreign.json)")
        #expect((foreign.json["detail"] as? String ?? "").contains("trust domain"))
    }

    @Test func hostileTextIsRefusedWithLimits() async throws {
        let server = try await TestServer.start()
        for owner in ["alice\u{0}@example.com", "bob\u{1B}[31m", String(repeating: "o", count: 9000)] {
            let reply = try await server.admin(
                "POST", "/v1/identities",
                json: [
                    "spiffe_id": "spiffe://example.org/hostile-\(UUID().uuidString.prefix(8))", "kind": "service", "owner": owner,
                    "purpose": "x", "scopes": [], "jwks": ["keys": []],
                ])
            #expect(Self.isProblem(reply, 400), "\(reply.json)")
        }
        let longPurpose = try await server.admin(
            "POST", "/v1/tasks", json: ["intent": String(repeating: "i", count: 9000), "identities": [], "ttl": 600])
        #expect(Self.isProblem(longPurpose, 400))
        let departed = try await server.admin("POST", "/v1/owners/" + String(repeating: "n", count: 9000) + "/depart")
        #expect(departed.status == 400 || departed.status == 414 || departed.status == 431, "\(departed.status)")
    }

    @Test func nonNumericPagingIsAnErrorNotTheDefault() async throws {
        let server = try await TestServer.start()
        for query in ["after=%00", "after=abc", "limit=%00", "limit=1e3", "after=-1", "limit=0"] {
            let reply = try await server.admin("GET", "/v1/audit/records?" + query)
            #expect(Self.isProblem(reply, 400), "\(query): \(reply.status)")
        }
        let ok = try await server.admin("GET", "/v1/audit/records?after=0&limit=5")
        #expect(ok.status == 200)
    }

    @Test func unknownFindingsAreNotFound() async throws {
        let server = try await TestServer.start()
        let acknowledged = try await server.admin("POST", "/v1/findings/fnd_nope/acknowledge", json: ["reason": "x"])
        #expect(Self.isProblem(acknowledged, 404), "\(acknowledged.status) \(acknowledged.json)")
        let resolved = try await server.admin("POST", "/v1/findings/fnd_nope/resolve")
        #expect(Self.isProblem(resolved, 404), "\(resolved.status) \(resolved.json)")
    }

    @Test func oversizedBodiesAnswerAProblem() async throws {
        let server = try await TestServer.start()
        let big = Data(repeating: UInt8(ascii: "a"), count: 200 * 1024)
        for path in ["/v1/nodes/tokens", "/v1/entries", "/v1/federation"] {
            let reply = try await server.send(
                "POST", path, body: big, contentType: "application/json",
                headers: ["Authorization": "Bearer \(server.adminToken)"])
            #expect(Self.isProblem(reply, 413), "\(path): \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
        }
    }
}
