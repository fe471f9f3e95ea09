import Crypto
import Foundation
import TesseraStore
import TesseraTestSupport
import Testing

@Suite(.serialized, .stopsServers) struct AdminAPITests {
    private func expectProblem(
        _ reply: TestServer.Reply, status: Int, mentioning words: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(reply.status == status, sourceLocation: sourceLocation)
        #expect(reply.headers["content-type"] == "application/problem+json", sourceLocation: sourceLocation)
        #expect(reply.json["status"] as? Int == status, sourceLocation: sourceLocation)
        let detail = reply.json["detail"] as? String ?? ""
        #expect(detail.contains(words), "\(detail)", sourceLocation: sourceLocation)
    }

    @Test func everyAdminRouteRequiresAToken() async throws {
        let server = try await TestServer.start()
        for (method, path) in [
            ("GET", "/v1/identities"), ("POST", "/v1/identities"), ("GET", "/v1/identities/nhi_x"),
            ("PATCH", "/v1/identities/nhi_x"), ("POST", "/v1/identities/nhi_x/retire"), ("GET", "/v1/audit/verify"),
        ] {
            expectProblem(try await server.send(method, path), status: 401, mentioning: "admin bearer token")
            expectProblem(
                try await server.admin(method, path, token: "tsr_admin_wrong"), status: 401, mentioning: "admin bearer token")
        }
    }

    @Test func createValidatesInput() async throws {
        let server = try await TestServer.start()
        let pem = P256.Signing.PrivateKey().publicKey.pemRepresentation
        let valid: [String: Any] = [
            "spiffe_id": "spiffe://example.org/x", "kind": "service", "owner": "alice", "purpose": "p", "public_key_pem": pem,
        ]
        func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var body = valid
            change(&body)
            return body
        }
        expectProblem(
            try await server.send(
                "POST", "/v1/identities", body: Data("{nope".utf8), contentType: "application/json",
                headers: ["Authorization": "Bearer \(server.adminToken)"]), status: 400, mentioning: "not valid JSON")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["owner"] = nil }), status: 400,
            mentioning: "$.owner is required")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["purpose"] = " " }), status: 400,
            mentioning: "purpose is required")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["kind"] = "robot" }), status: 400,
            mentioning: "unknown kind")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["spiffe_id"] = "spiffe://other.org/x" }),
            status: 400, mentioning: "trust domain")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["spiffe_id"] = "spiffe://example.org/../x" }),
            status: 400, mentioning: "$.spiffe_id")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["public_key_pem"] = nil }),
            status: 400, mentioning: "private_key_jwt")
        expectProblem(
            try await server.admin(
                "POST", "/v1/identities",
                json: with { $0["public_key_pem"] = "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----" }),
            status: 400, mentioning: "public_key_pem")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["token_ttl"] = 999_999 }), status: 400,
            mentioning: "token_ttl")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["expires_at"] = "tomorrow" }), status: 400,
            mentioning: "RFC 3339")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["surprise"] = true }), status: 400,
            mentioning: "unknown field $.surprise")
        expectProblem(
            try await server.admin("POST", "/v1/identities", json: with { $0["scopes"] = "read" }), status: 400,
            mentioning: "$.scopes")
        #expect(try await server.admin("POST", "/v1/identities", json: valid).status == 201)
        expectProblem(try await server.admin("POST", "/v1/identities", json: valid), status: 409, mentioning: "already exists")
        let oversized = with { $0["purpose"] = String(repeating: "x", count: 70_000) }
        #expect(try await server.admin("POST", "/v1/identities", json: oversized).status == 413)
    }

    @Test func listFiltersUpdateAndLifecycle() async throws {
        let server = try await TestServer.start()
        let a = try await server.registerWorkload("a", extra: ["kind": "batch-job", "environment": "dev"])
        _ = try await server.registerWorkload("b")
        _ = try await server.registerWorkload("c", extra: ["owner": "bob@example.com"])

        func ids(_ query: String) async throws -> [String] {
            let reply = try await server.admin("GET", "/v1/identities" + query)
            #expect(reply.status == 200)
            return (reply.json["identities"] as? [[String: Any]] ?? []).compactMap { $0["spiffe_id"] as? String }
        }
        #expect(try await ids("").count == 3)
        #expect(try await ids("?kind=batch-job") == ["spiffe://example.org/a"])
        #expect(try await ids("?owner=bob@example.com") == ["spiffe://example.org/c"])
        #expect(try await ids("?environment=prod").count == 2)
        #expect(try await ids("?spiffe_id=spiffe://example.org/b") == ["spiffe://example.org/b"])
        let page = try await server.admin("GET", "/v1/identities?limit=2")
        let cursor = try #require(page.json["next_cursor"] as? String)
        #expect(try await ids("?limit=2&after=\(cursor)").count == 1)
        expectProblem(
            try await server.admin("GET", "/v1/identities?colour=red"), status: 400, mentioning: "unknown query parameter")
        expectProblem(try await server.admin("GET", "/v1/identities?limit=0"), status: 400, mentioning: "limit")

        let updated = try await server.admin(
            "PATCH", "/v1/identities/\(a.id)", json: ["owner": "carol", "environment": NSNull()])
        #expect(updated.status == 200)
        #expect(updated.json["owner"] as? String == "carol")
        #expect(updated.json["environment"] == nil || updated.json["environment"] is NSNull)
        expectProblem(
            try await server.admin("PATCH", "/v1/identities/\(a.id)", json: ["spiffe_id": "spiffe://example.org/z"]),
            status: 400, mentioning: "unknown field")
        expectProblem(
            try await server.admin("PATCH", "/v1/identities/nhi_nope", json: ["owner": "x"]), status: 404,
            mentioning: "no identity")

        #expect(
            try await server.admin("POST", "/v1/identities/\(a.id)/retire", json: ["reason": "decommissioned"]).json["status"]
                as? String == "retired")
        expectProblem(try await server.admin("POST", "/v1/identities/\(a.id)/activate"), status: 409, mentioning: "retired")
        expectProblem(
            try await server.admin("PATCH", "/v1/identities/\(a.id)", json: ["owner": "x"]), status: 409, mentioning: "retired")
        let shown = try await server.admin("GET", "/v1/identities/\(a.id)")
        #expect(shown.json["eligible"] as? Bool == false)
        #expect(shown.json["ineligible_reason"] as? String == "identity is retired")
    }

    @Test func auditVerificationOverTheAPI() async throws {
        let server = try await TestServer.start()
        _ = try await server.registerWorkload("v")
        _ = try await server.send("GET", "/v1/identities")
        let report = try await server.admin("GET", "/v1/audit/verify")
        #expect(report.json["intact"] as? Bool == true)
        let records = try await server.admin("GET", "/v1/audit/records?limit=1000")
        let lines = String(decoding: records.body, as: UTF8.self).split(separator: "\n")
        #expect(report.json["records_checked"] as? Int == lines.count)
        let types = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String
        }
        // The unauthenticated request is counted, not recorded one by one (AuditFloodAttackTests).
        #expect(types.filter { $0.hasPrefix("identity.") || $0.hasPrefix("admin.") } == ["identity.created"])
    }
}

@Test(.stopsServers) func refusedAdminRequestsAreAudited() async throws {
    let server = try await TestServer.start()
    let reply = try await server.admin("POST", "/v1/identities", json: ["kind": "robot"])
    #expect(reply.status == 400)
    await server.stop()
    let database = try TesseraStore.SQLiteStorage(directory: server.dataDirectory)
    let records = try await database.audit.records(after: 0, limit: 10).map { try $0.content() }
        .filter { $0.type.hasPrefix("admin.") }
    #expect(records.map(\.type) == ["admin.request_refused"])
    #expect(records.first?.actor?.hasPrefix("admin:adm_") == true)
    #expect(records.first?.details["status"] == .int(400))
}
