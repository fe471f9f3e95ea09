import Foundation
import TesseraCore
import TesseraTestSupport
import Testing

/// The console's Overview is served from aggregates: the inventory grouped, issuance and refusals
/// folded from the audit log since the last view, live tasks and leases, and the latest posture evaluation.
@Suite(.stopsServers) struct ConsoleOverviewTests {
    static func named(_ list: Any?) -> [String: Int] {
        var counts: [String: Int] = [:]
        for item in (list as? [[String: Any]]) ?? [] {
            if let name = item["name"] as? String, let count = item["count"] as? Int { counts[name] = count }
        }
        return counts
    }

    /// Attacker re-check finding: the sample reason of counted (unauthenticated) refusals carries text the sender
    /// chose; the Overview labels those by refused type and OAuth error code only.
    @Test func countedRefusalsAreLabelledWithoutTheSendersText() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 0.2 }
        for _ in 0..<5 {
            _ = try await server.form("/oauth2/token", ["grant_type": "00xxxxxxxxxxxx Breach! call 555-0100 now"])
        }
        var labels: [String: Int] = [:]
        for _ in 0..<100 where labels.values.reduce(0, +) < 5 {
            try await Task.sleep(for: .milliseconds(100))
            server.clock.advance(by: 16)  // past the overview's cache age
            let overview = try await server.admin("GET", "/v1/console/overview")
            labels = Self.named((overview.json["activity"] as? [String: Any])?["top_refusals_24h"])
        }
        #expect(labels.values.reduce(0, +) == 5, "\(labels)")
        #expect(labels.keys.allSatisfy { !$0.contains("Breach") && !$0.contains("555") }, "\(labels)")
        #expect(labels.keys.contains { $0.hasPrefix("unauthenticated token.refused") }, "\(labels)")
    }

    @Test func theOverviewCountsTheEstateAndItsActivity() async throws {
        let server = try await TestServer.start()
        let web = try await server.registerWorkload("web")
        _ = try await server.registerWorkload("agent", extra: ["kind": "ai-agent", "environment": "dev"])
        let svidOnly = try await server.admin(
            "POST", "/v1/identities",
            json: [
                "spiffe_id": "spiffe://example.org/svid-only", "kind": "service", "owner": "bob@example.com", "purpose": "p",
                "auth_methods": ["jwt_svid", "tls_client_auth"],
            ])
        #expect(svidOnly.status == 201)
        for _ in 0..<3 { #expect(try await server.requestToken(web).status == 200) }
        // An authenticated refusal (a scope the identity does not have) is recorded with its reason.
        #expect(try await server.requestToken(web) { $0["scope"] = "payroll:write" }.status == 400)

        let overview = try await server.admin("GET", "/v1/console/overview")
        #expect(overview.status == 200, "\(overview.json)")
        let identities = try #require(overview.json["identities"] as? [String: Any])
        #expect(identities["total"] as? Int == 3)
        #expect(identities["owners"] as? Int == 2)
        #expect(Self.named(identities["by_kind"]) == ["service": 2, "ai-agent": 1])
        #expect(Self.named(identities["by_auth_method"]) == ["private_key_jwt": 2, "jwt_svid": 1, "tls_client_auth": 1])
        let activity = try #require(overview.json["activity"] as? [String: Any])
        #expect(activity["complete"] as? Bool == true)
        let day = try #require(activity["last_24h"] as? [String: Int])
        #expect(day["issued"] == 3)
        #expect(day["refused"] == 1)
        let reasons = Self.named(activity["top_refusals_24h"])
        #expect(reasons.count == 1 && reasons.values.first == 1)
        #expect(reasons.keys.first?.contains("payroll:write") == true, "\(reasons)")
        let hourly = try #require(activity["hourly"] as? [[String: Any]])
        #expect(hourly.count == 24)
        #expect(hourly.last?["issued"] as? Int == 3)
        #expect((activity["daily"] as? [[String: Any]])?.count == 7)
        #expect((overview.json["live"] as? [String: Int])?["live_leases"] == 3)
        #expect((overview.json["findings"] as? [String: Any])?["open"] is NSNull, "no evaluation has run yet")

        // Served from cache within its age; after it, new records are folded in (only the new ones).
        #expect(try await server.requestToken(web).status == 200)
        let cached = try await server.admin("GET", "/v1/console/overview")
        #expect(((cached.json["activity"] as? [String: Any])?["last_24h"] as? [String: Int])?["issued"] == 3)
        server.clock.advance(by: 20)
        _ = try await server.admin("GET", "/v1/findings")
        let later = try await server.admin("GET", "/v1/console/overview")
        let laterActivity = try #require(later.json["activity"] as? [String: Any])
        #expect((laterActivity["last_24h"] as? [String: Int])?["issued"] == 4)
        let findings = try #require(later.json["findings"] as? [String: Any])
        #expect(findings["evaluated_at"] is String)
        #expect(findings["open"] is Int)

        // A viewer may look; no credential may not.
        #expect(try await server.admin("GET", "/v1/console/overview", token: "tsr_admin_wrong").status == 401)
    }
}
