import Crypto
import Foundation
import TesseraCore
import Testing

/// The issue's proof: an estate seeded only through the real HTTP API over 100 simulated days (injected clock,
/// real private_key_jwt assertions, real SQLite), then every detector fires exactly where a condition was
/// planted and nowhere else, and the generated least-privilege policy, loaded into a restarted server's Cedar
/// engine, still allows every request the identity made and refuses the scopes it never used.
@Suite struct PostureScenarioTests {
    static let day: TimeInterval = 86_400

    @Test func detectorsFireExactlyWherePlantedAndTheLeastPrivilegePolicyHolds() async throws {
        let clock = ManualTimeSource(Date(timeIntervalSince1970: 1_800_000_000))
        let start = clock.now()
        let harness = try await PostureAPITests.Harness(clock: clock)
        var keys: [String: P256.Signing.PrivateKey] = [:]
        func register(
            _ name: String, _ scopes: [String], owner: String = "alice@corp.invalid", key: String? = nil,
            extra: [String: Any] = [:]
        )
            async throws
        {
            let signing = keys[key ?? name] ?? P256.Signing.PrivateKey(compactRepresentable: false)
            keys[name] = signing
            _ = try await harness.register(name, owner: owner, scopes: scopes, key: signing, extra: extra)
        }
        func issue(_ name: String, _ scope: String, extra: String = "") async throws -> Int {
            try await harness.requestToken(name, key: keys[name]!, scope: scope, extra: extra).0
        }
        try await register("billing", ["invoices:read", "invoices:write", "admin:all"])
        try await register("ledger", ["ledger:read"])
        try await register("reports", ["reports:read"])
        try await register("drifter", ["orders:read"], extra: ["audiences": ["https://payments.corp.invalid"]])
        try await register("burster", ["metrics:write"])
        try await register("prober", ["files:read"])
        try await register("orphan", ["wiki:read"], owner: "bob@corp.invalid")
        try await register("twin-a", ["mail:send"])
        try await register("twin-b", ["mail:send"], key: "twin-a")
        try await register("reviewer", ["hr:read"], extra: ["review_by": ISO8601.format(start.addingTimeInterval(50 * Self.day))])
        try await register("excepted", ["pay:read"])
        let routine: [(String, String)] = [
            ("billing", "invoices:read"), ("ledger", "ledger:read"), ("drifter", "orders:read"), ("burster", "metrics:write"),
            ("prober", "files:read"), ("orphan", "wiki:read"), ("twin-a", "mail:send"), ("twin-b", "mail:send"),
            ("reviewer", "hr:read"),
            ("excepted", "pay:read"),
        ]
        // Weeks of ordinary traffic, every second day.
        clock.advance(by: Self.day)
        #expect(try await issue("reports", "reports:read") == 200)
        for _ in 0..<49 {
            clock.advance(by: 2 * Self.day)
            for (name, scope) in routine { #expect(try await issue(name, scope) == 200, "\(name)") }
        }
        // Day 99: the planted conditions.
        #expect(clock.now() == start.addingTimeInterval(99 * Self.day))
        #expect(try await issue("drifter", "orders:read", extra: "&audience=https%3A%2F%2Fpayments.corp.invalid") == 200)
        for _ in 0..<12 { #expect(try await issue("prober", "files:write") != 200) }
        for _ in 0..<25 { #expect(try await issue("burster", "metrics:write") == 200) }
        _ = try await harness.object(
            "POST", "/v1/exceptions",
            json: [
                "identity": "spiffe://example.org/excepted", "owner": "alice@corp.invalid", "justification": "quarter-end batch",
                "scopes": ["pay:read"], "expires_at": ISO8601.format(start.addingTimeInterval(101 * Self.day)),
            ])
        _ = try await harness.object("POST", "/v1/owners/bob@corp.invalid/depart")
        clock.advance(by: 3600)

        let findings = try await harness.findings().compactMap { $0["finding"] as? [String: Any] }
        var actual: [String: [String]] = [:]
        for finding in findings {
            let subject = (finding["subject"] as? String ?? "").replacingOccurrences(of: "spiffe://example.org/", with: "")
            actual[subject, default: []].append(finding["category"] as? String ?? "")
        }
        let expected: [String: [String]] = [
            "billing": ["over-privilege"], "reports": ["stale"], "drifter": ["context-drift"], "burster": ["context-drift"],
            "prober": ["refusal-spike"], "orphan": ["orphaned"], "twin-a": ["shared-credential"], "reviewer": ["review-overdue"],
            "excepted": ["exception-expiring"],
        ]
        #expect(actual.mapValues { $0.sorted() } == expected, "\(actual)")
        for finding in findings {
            #expect(!((finding["evidence"] as? [[String: Any]]) ?? []).isEmpty, "\(finding["category"] ?? "")")
            #expect((finding["owasp"] as? String)?.hasPrefix("NHI") == true)
            #expect(!((finding["remediation"] as? String) ?? "").isEmpty)
        }
        let drift = findings.filter { $0["category"] as? String == "context-drift" }.compactMap { $0["title"] as? String }
        #expect(drift.contains { $0.contains("new audience https://payments.corp.invalid") })
        #expect(drift.contains { $0.contains("26 credentials in 24 hours") })
        let over = try #require(findings.first { $0["category"] as? String == "over-privilege" })
        let suggestion = try #require(over["suggestion"] as? [String: Any])
        #expect(suggestion["keep_scopes"] as? [String] == ["invoices:read"])
        #expect(suggestion["remove_scopes"] as? [String] == ["admin:all", "invoices:write"])
        let policy = try #require(suggestion["cedar_policy"] as? String)

        // Per-identity evidence, as printable HTML.
        let (status, html) = try await harness.send(
            "GET", "/v1/posture/evidence/spiffe%3A%2F%2Fexample.org%2Fbilling?format=html")
        #expect(status == 200)
        let page = String(decoding: html, as: UTF8.self)
        #expect(
            page.contains("Credentials (leases: 49)") && page.contains("@media print") && page.contains("NHI5 Overprivileged NHI")
        )
        #expect(!page.contains("<script"))

        // Load the suggested policy next to the default ones and restart on the same data.
        let policies = NSTemporaryDirectory() + "tessera-posture-policies-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: policies, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: policies) }
        for file in ["schema.cedarschema", "tessera.cedar"] {
            try EstateFixture.defaultPolicyFile(file).write(toFile: policies + "/" + file, atomically: true, encoding: .utf8)
        }
        try policy.write(toFile: policies + "/least-privilege.cedar", atomically: true, encoding: .utf8)
        await harness.stop(keepData: true)
        let restarted = try await PostureAPITests.Harness(
            clock: clock, directory: harness.directory, kek: harness.kek, token: harness.token, policyDirectory: policies)
        clock.advance(by: 60)
        // Every request billing actually made is still allowed...
        let (allowed, _) = try await restarted.requestToken("billing", key: keys["billing"]!, scope: "invoices:read")
        #expect(allowed == 200)
        // ...the scopes it never used are refused by the generated policy, and other identities are untouched.
        for scope in ["invoices:write", "admin:all", "invoices:read admin:all"] {
            let (code, body) = try await restarted.requestToken("billing", key: keys["billing"]!, scope: scope)
            #expect(code != 200, "\(scope)")
            #expect(String(decoding: body, as: UTF8.self).contains("least-privilege spiffe://example.org/billing"), "\(scope)")
        }
        #expect(try await restarted.requestToken("ledger", key: keys["ledger"]!, scope: "ledger:read").0 == 200)
        await restarted.stop()
    }
}
