import Foundation
import TesseraAudit
import TesseraStore
import TesseraTestSupport
import Testing

@Suite(.serialized, .stopsServers) struct ExceptionTests {
    private func auditTypes(_ server: TestServer) async throws -> [[String: Any]] { try await server.auditRecords() }

    @Test func anExceptionGrantsWhatPolicyRefusesUntilItExpires() async throws {
        let server = try await TestServer.start()
        let legacy = try await server.registerWorkload("legacy-batch", scopes: ["invoices:read"])
        let refused = try await server.requestToken(legacy) { $0["scope"] = "invoices:write" }
        #expect(refused.json["error"] as? String == "invalid_scope", "invoices:write is not granted: policy refuses")

        let created = try await server.grantException(legacy, owner: "payments-team", justification: "INC-4711 month-end fix")
        let id = try #require(created.json["id"] as? String)
        #expect(created.json["state"] as? String == "active")
        #expect(created.json["actions"] as? [String] == ["issue_token"])

        let granted = try await server.requestToken(legacy) { $0["scope"] = "invoices:write" }
        #expect(granted.status == 200, "\(granted.json)")
        #expect(granted.json["scope"] as? String == "invoices:write")

        let outside = try await server.requestToken(legacy) { $0["scope"] = "invoices:delete" }
        #expect(outside.json["error"] as? String == "invalid_scope", "scopes outside the exception stay refused")

        let shown = try await server.admin("GET", "/v1/exceptions/\(id)")
        #expect(shown.json["uses"] as? Int == 1)

        let records = try await auditTypes(server)
        let used = records.filter { $0["type"] as? String == "exception.used" }
        #expect(used.count == 1)
        let usedDetails = used.first?["details"] as? [String: Any]
        #expect(usedDetails?["exception"] as? String == id)
        #expect(usedDetails?["flagged"] as? Bool == true)
        let issued = records.filter {
            $0["type"] as? String == "token.issued" && ($0["details"] as? [String: Any])?["exception"] as? String == id
        }
        #expect(issued.count == 1, "the issuance record names the exception")
        let outOfScope = records.filter {
            $0["type"] as? String == "token.refused"
                && ($0["details"] as? [String: Any])?["exception_out_of_scope"] as? String == id
        }
        #expect(outOfScope.count == 1, "a refused attempt outside the exception is flagged in the refusal")

        // It disappears by itself at expiry, and the sweeper writes the expiry to the audit log.
        server.clock.advance(by: 3601)
        let late = try await server.requestToken(legacy) { $0["scope"] = "invoices:write" }
        #expect(late.json["error"] as? String == "invalid_scope")
        #expect((try await server.admin("GET", "/v1/exceptions").json["exceptions"] as? [Any])?.isEmpty == true)
        #expect(try await server.admin("GET", "/v1/exceptions/\(id)").json["state"] as? String == "expired")
        var expiredRecorded = false
        for _ in 0..<30 where !expiredRecorded {
            expiredRecorded = try await auditTypes(server).contains { $0["type"] as? String == "exception.expired" }
            if !expiredRecorded { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(expiredRecorded)
    }

    @Test func revokedExceptionsStopAtOnce() async throws {
        let server = try await TestServer.start()
        let legacy = try await server.registerWorkload("legacy-ftp", scopes: ["files:read"])
        let created = try await server.admin(
            "POST", "/v1/exceptions",
            json: [
                "identity": legacy.id, "owner": "ops", "justification": "vendor upload", "scopes": ["files:write"],
                "audiences": ["https://ftp.example.org"], "expires_at": "2030-01-01T00:00:00Z",
            ])
        #expect(created.status == 400, "expires_at beyond the 30-day cap is refused: \(created.json)")
        let ok = try await server.admin(
            "POST", "/v1/exceptions",
            json: [
                "identity": legacy.id, "owner": "ops", "justification": "vendor upload", "scopes": ["files:write"],
                "audiences": ["https://ftp.example.org"], "ttl": 600,
            ])
        let id = try #require(ok.json["id"] as? String)
        #expect(ok.json["identity"] as? String == legacy.clientID, "an inventory id resolves to the SPIFFE ID")
        let wrongAudience = try await server.requestToken(legacy) {
            $0["scope"] = "files:write"
            $0["audience"] = "https://other.example.org"
        }
        #expect(wrongAudience.status != 200, "the exception covers one audience only")
        let revoked = try await server.admin("POST", "/v1/exceptions/\(id)/revoke", json: ["reason": "done"])
        #expect(revoked.json["state"] as? String == "revoked")
        let after = try await server.requestToken(legacy) {
            $0["scope"] = "files:write"
            $0["audience"] = "https://ftp.example.org"
        }
        #expect(after.status != 200)
        #expect(try await server.admin("POST", "/v1/exceptions/\(id)/revoke").status == 409)
    }

    @Test func exceptionInputIsValidated() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("needs-exception")
        let good: [String: Any] = [
            "identity": workload.clientID, "owner": "ops", "justification": "why", "scopes": ["a:b"], "ttl": 60,
        ]
        func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var body = good
            change(&body)
            return body
        }
        for (body, status, words) in [
            (with { $0["ttl"] = nil }, 400, "every exception expires"),
            (with { $0["ttl"] = 31 * 86_400 }, 400, "at most"),
            (with { $0["ttl"] = -5 }, 400, "future"),
            (
                with {
                    $0["expires_at"] = "2020-01-01T00:00:00Z"
                    $0["ttl"] = nil
                }, 400, "future"
            ),
            (with { $0["expires_at"] = "soon" }, 400, "RFC 3339"),
            (with { $0["owner"] = " " }, 400, "owner"),
            (with { $0["justification"] = nil }, 400, "justification"),
            (with { $0["actions"] = ["delete_everything"] }, 400, "actions"),
            (with { $0["identity"] = "spiffe://example.org/nobody" }, 422, "no identity"),
            (with { $0["scopes"] = ["bad scope"] }, 400, "scope"),
            (with { $0["colour"] = "red" }, 400, "unknown field"),
        ] {
            let reply = try await server.admin("POST", "/v1/exceptions", json: body)
            #expect(reply.status == status, "\(body): \(reply.json)")
            #expect((reply.json["detail"] as? String)?.contains(words) == true, "\(body): \(reply.json)")
        }
        #expect(try await server.admin("POST", "/v1/exceptions", json: good).status == 201)
        #expect(try await server.admin("GET", "/v1/exceptions/exc_nope").status == 404)
        #expect(try await server.admin("GET", "/v1/exceptions", token: "wrong").status == 401)
    }
}
