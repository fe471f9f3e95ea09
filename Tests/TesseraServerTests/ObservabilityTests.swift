import Foundation
import TesseraTestSupport
import Testing

@Suite(.serialized, .stopsServers) struct ObservabilityTests {
    @Test func metricsCountIssuancesDecisionsAndAuditWrites() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("metered")
        #expect(try await server.requestToken(workload).status == 200)
        #expect(try await server.requestToken(workload).status == 200)
        #expect(try await server.requestToken(workload) { $0["scope"] = "not:granted" }.status == 400)

        #expect(try await server.send("GET", "/metrics").status == 401, "metrics need an admin token")
        let reply = try await server.admin("GET", "/metrics")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = String(decoding: reply.body, as: UTF8.self)
        func value(_ prefix: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { $0.split(separator: " ").last }.flatMap {
                Double($0)
            }
        }
        #expect(value(#"tessera_issuance_total{grant="client_credentials",outcome="issued"}"#) == 2, "\(text.prefix(2000))")
        #expect(value(#"tessera_issuance_total{grant="client_credentials",outcome="refused"}"#) == 1)
        #expect((value(#"tessera_policy_decision_duration_seconds_count{action="issue_token",decision="allow"}"#) ?? 0) >= 2)
        #expect(value(#"tessera_audit_records_total{type="token.issued"}"#) == 2)
        #expect(value(#"tessera_audit_records_total{type="token.refused"}"#) == 1)
        #expect((value("tessera_audit_append_duration_seconds_count") ?? 0) >= 1)
        #expect(text.contains(#"tessera_http_requests_total{route="/oauth2/token",method="POST",status="2xx"}"#))

        _ = try await server.admin("POST", "/v1/identities/\(workload.id)/suspend")
        let after = String(decoding: try await server.admin("GET", "/metrics").body, as: UTF8.self)
        #expect(after.contains(#"tessera_audit_records_total{type="identity.suspended"} 1"#))
    }

    @Test func readinessAndRequestIDs() async throws {
        let server = try await TestServer.start()
        let ready = try await server.send("GET", "/readyz")
        #expect(ready.status == 200)
        #expect((ready.json["checks"] as? [String: String])?["database"] == "ok")
        #expect(ready.json["status"] as? String == "ready")
        let echoed = try await server.send("GET", "/healthz", headers: ["X-Request-Id": "trace-42"])
        #expect(echoed.headers["x-request-id"] == "trace-42")
        let hostile = try await server.send("GET", "/healthz", headers: ["X-Request-Id": "<script>alert(1)</script>"])
        let generated = hostile.headers["x-request-id"] ?? ""
        #expect(generated.count == 36 && !generated.contains("<"), "a hostile id is replaced, not echoed")
    }
}
