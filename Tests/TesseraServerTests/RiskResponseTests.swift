import Foundation
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing

/// Detections that act (docs/risk.md), end to end over HTTP: planted findings raise `context.risk` and the default
/// policies refuse within seconds; response rules suspend, revoke, hold and record; an operator undoes them.
@Suite(.serialized, .stopsServers) struct RiskResponseTests {
    /// A second identity registered with `workload`'s public key (a shared credential).
    @discardableResult
    private func twin(of workload: Workload, named name: String, on server: TestServer, extra: [String: Any] = [:])
        async throws -> String
    {
        guard case .p256(let key) = workload.key else { throw CancellationError() }
        var body: [String: Any] = [
            "spiffe_id": "spiffe://example.org/\(name)", "kind": "service", "owner": "alice@example.com",
            "purpose": "shares a key", "scopes": ["invoices:read"], "public_key_pem": key.publicKey.pemRepresentation,
            "environment": "dev",
        ]
        body.merge(extra) { $1 }
        let reply = try await server.admin("POST", "/v1/identities", json: body)
        #expect(reply.status == 201, "\(reply.json)")
        return reply.json["id"] as? String ?? ""
    }

    /// Polls `request` until `done` holds, for at most `seconds`; returns the last reply and the time it took.
    private func poll(
        seconds: Double, request: () async throws -> TestServer.Reply, until done: (TestServer.Reply) -> Bool
    ) async throws -> (TestServer.Reply, Duration) {
        let start = ContinuousClock.now
        var reply = try await request()
        while !done(reply), ContinuousClock.now - start < .seconds(seconds) {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await request()
        }
        return (reply, ContinuousClock.now - start)
    }

    private func details(_ server: TestServer, type: String, subject: String) async throws -> [[String: Any]] {
        try await server.auditRecords().filter { $0["type"] as? String == type && $0["subject"] as? String == subject }
            .compactMap { $0["details"] as? [String: Any] }
    }

    @Test func plantedFindingsRaiseRiskAndTheDefaultPoliciesRefuseWithinFiveSeconds() async throws {
        let server = try await TestServer.start { configuration in
            configuration.maximumTokenTTL = 7200
            configuration.risk.refreshInterval = 0.5
        }
        // steady: one medium finding (a token TTL above an hour) -> medium risk, still served in prod.
        let steady = try await server.registerWorkload("steady", extra: ["token_ttl": 7200])
        // risky: the same, and its key registered for another identity too -> two concerns -> high risk.
        let risky = try await server.registerWorkload("risky", extra: ["token_ttl": 7200])
        let first = try await server.requestToken(risky)
        #expect(first.status == 200, "before any finding is known: \(first.json)")
        try await twin(of: risky, named: "risky-twin", on: server)

        let (refused, took) = try await poll(
            seconds: 5, request: { try await server.requestToken(risky) }, until: { $0.status != 200 })
        #expect(refused.status == 400 || refused.status == 401 || refused.status == 403, "\(refused.json)")
        #expect((refused.json["error_description"] as? String ?? "").contains("high-risk"), "\(refused.json)")
        #expect(took < .seconds(5), "reflected in decisions within 5 s (took \(took))")
        let refusal = try #require(try await details(server, type: "token.refused", subject: risky.clientID).last)
        #expect(refusal["risk"] as? String == "high")
        #expect(Set(refusal["open_findings"] as? [String] ?? []) == ["long-lived-token", "shared-credential"])

        let served = try await server.requestToken(steady)
        #expect(served.status == 200, "one medium finding is medium risk: \(served.json)")
        let issued = try #require(try await details(server, type: "token.issued", subject: steady.clientID).last)
        #expect(issued["risk"] as? String == "medium")
        #expect(issued["open_findings"] as? [String] == ["long-lived-token"])
    }

    @Test func aResponseRuleSuspendsAndRevokesAndAnOperatorUndoesIt() async throws {
        let policies = try Self.policyFolder(
            responses: """
                {"rules": [{"id": "contain-shared-key", "when": {"category": "shared-credential"},
                            "actions": ["suspend", "notify"]}]}
                """)
        let server = try await TestServer.start { configuration in
            configuration.policyDirectory = policies
            configuration.risk.refreshInterval = 0.5
        }
        let worker = try await server.registerWorkload("worker")
        let token = try await server.requestToken(worker)
        #expect(token.status == 200)
        let clone = try await twin(of: worker, named: "worker-clone", on: server)

        let (shown, _) = try await poll(
            seconds: 5, request: { try await server.admin("GET", "/v1/identities/\(worker.id)") },
            until: { $0.json["status"] as? String == "suspended" })
        #expect(shown.json["status"] as? String == "suspended")
        #expect(
            try await server.admin("GET", "/v1/identities/\(clone)").json["status"] as? String == "active",
            "the finding (and so the response) is about the identity it names, not another of the group")
        let live = try await server.admin("GET", "/v1/leases?subject=\(worker.clientID)&state=live")
        #expect((live.json["leases"] as? [Any])?.isEmpty == true, "the suspension revoked its live token")
        let suspend = try #require(try await details(server, type: "response.suspend", subject: worker.clientID).first)
        #expect(suspend["rule"] as? String == "contain-shared-key")
        #expect((suspend["evidence"] as? [String])?.first?.contains("key") == true, "\(suspend)")
        #expect(
            try await details(server, type: "response.notify", subject: worker.clientID).first?["owner"] as? String
                == "alice@example.com")
        let records = try await server.auditRecords()
        #expect(
            records.contains {
                $0["type"] as? String == "identity.suspended" && $0["actor"] as? String == "response:contain-shared-key"
            })

        // The operator reactivates it with a reason; the rule does not fire again for the same finding.
        let undone = try await server.admin(
            "POST", "/v1/identities/\(worker.id)/activate", json: ["reason": "the clone was a test fixture"])
        #expect(undone.status == 200 && undone.json["status"] as? String == "active")
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await server.admin("GET", "/v1/identities/\(worker.id)").json["status"] as? String == "active")
        #expect(try await server.requestToken(worker).status == 200)
    }

    @Test func requireApprovalHoldsIssuanceUntilAPersonReleasesIt() async throws {
        let policies = try Self.policyFolder(
            responses: """
                {"rules": [{"id": "hold-long-lived", "when": {"category": "long-lived-token"}, "actions": ["require-approval"]}]}
                """)
        let server = try await TestServer.start { configuration in
            configuration.policyDirectory = policies
            configuration.maximumTokenTTL = 7200
            configuration.risk.refreshInterval = 0.5
        }
        let batch = try await server.registerWorkload("batch", extra: ["token_ttl": 7200, "environment": "dev"])
        let (held, _) = try await poll(seconds: 5, request: { try await server.requestToken(batch) }, until: { $0.status != 200 })
        #expect((held.json["error_description"] as? String ?? "").contains("held by response rule hold-long-lived"))
        // A break-glass exception does not lift a hold: only a person's release does.
        try await server.grantException(batch, owner: "carol", justification: "unrelated break-glass")
        let stillHeld = try await server.requestToken(batch)
        #expect((stillHeld.json["error_description"] as? String ?? "").contains("held by response rule"), "\(stillHeld.json)")
        #expect(
            try await server.admin("POST", "/v1/identities/\(batch.id)/release", json: [:]).status == 400, "a reason is required")
        let released = try await server.admin(
            "POST", "/v1/identities/\(batch.id)/release", json: ["reason": "CHG-1234 approved by alice"])
        #expect(released.status == 200 && released.json["released"] as? [String] == ["hold-long-lived"])
        #expect(try await server.requestToken(batch).status == 200)
        #expect(try await server.admin("POST", "/v1/identities/\(batch.id)/release", json: ["reason": "again"]).status == 409)
        let record = try #require(try await details(server, type: "response.released", subject: batch.clientID).first)
        #expect(record["rules"] as? [String] == ["hold-long-lived"])
    }

    /// A hold is known by its policy version, not by a policy id: an operator's Cedar policy that happens to be named
    /// `response:…` is an ordinary policy, so a break-glass exception lifts its denial (it did not, when holds were
    /// recognised by the id prefix).
    @Test func aCedarPolicyNamedLikeAHoldIsAnOrdinaryPolicy() async throws {
        let policies = try Self.policyFolder(responses: #"{"rules": []}"#)
        try """
        @id("response:freeze-batch")
        forbid (principal, action == Tessera::Action::"issue_token", resource)
        when { principal.environment == "dev" };
        """.write(toFile: policies + "/freeze.cedar", atomically: true, encoding: .utf8)
        let server = try await TestServer.start { configuration in configuration.policyDirectory = policies }
        let batch = try await server.registerWorkload("batch", extra: ["environment": "dev"])
        let denied = try await server.requestToken(batch)
        #expect(denied.status != 200)
        #expect(!(denied.json["error_description"] as? String ?? "").contains("held by response rule"), "\(denied.json)")
        try await server.grantException(batch, owner: "carol", justification: "INC-7 break-glass")
        let granted = try await server.requestToken(batch)
        #expect(granted.status == 200, "\(granted.json)")
    }

    @Test func dryRunRecordsWhatWouldHaveHappenedAndDoesNothing() async throws {
        let policies = try Self.policyFolder(
            responses: """
                {"dry_run": true, "rules": [{"id": "contain", "when": {"category": "shared-credential"},
                                              "actions": ["suspend", "revoke-leases"]}]}
                """)
        let server = try await TestServer.start { configuration in
            configuration.policyDirectory = policies
            configuration.risk.refreshInterval = 0.5
        }
        let worker = try await server.registerWorkload("dry")
        try await twin(of: worker, named: "dry-clone", on: server)
        var would: [[String: Any]] = []
        for _ in 0..<50 where would.isEmpty {
            would = try await details(server, type: "response.would_suspend", subject: worker.clientID)
            if would.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(would.first?["dry_run"] as? Bool == true)
        #expect(try await details(server, type: "response.would_revoke_leases", subject: worker.clientID).count == 1)
        #expect(try await server.admin("GET", "/v1/identities/\(worker.id)").json["status"] as? String == "active")
        #expect(try await server.requestToken(worker).status == 200)
    }

    /// `end-task` after `revoke-leases` (the order docs/risk.md shows) still ends the agent's task: the tasks are
    /// found before any action runs, among the open tasks that name the identity.
    @Test func containmentEndsTheTaskEvenAfterItsLeasesWereRevoked() async throws {
        let (server, _) = try await Self.server(
            responses: """
                {"rules": [{"id": "contain-agent", "when": {"category": "shared-credential"},
                            "actions": ["revoke-leases", "end-task", "notify"]}]}
                """)
        let agent = try await server.registerWorkload("contained", extra: ["environment": "dev"])
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: ["intent": "contained work", "identities": [agent.clientID], "scopes": ["invoices:read"], "ttl": 900])
        let taskID = try #require(task.json["id"] as? String)
        #expect(try await server.requestToken(agent) { $0["task_id"] = taskID }.status == 200)
        try await twin(of: agent, named: "contained-twin", on: server)
        let (ended, _) = try await poll(
            seconds: 8, request: { try await server.admin("GET", "/v1/tasks/\(taskID)") },
            until: { $0.json["state"] as? String == "revoked" })
        #expect(ended.json["state"] as? String == "revoked", "\(ended.json)")
        let record = try #require(try await details(server, type: "response.end_task", subject: agent.clientID).first)
        #expect(record["tasks"] as? [String] == [taskID])
        #expect(try await server.requestToken(agent) { $0["task_id"] = taskID }.status != 200, "the task is over")
    }

    /// A dry run records what it would do without using up the response: switched live, the rule acts on the same
    /// finding.
    @Test func goingLiveAfterADryRunActsOnTheFindingsTheDryRunRecorded() async throws {
        let dry = """
            {"dry_run": true, "rules": [{"id": "contain", "when": {"category": "shared-credential"}, "actions": ["suspend"]}]}
            """
        let (server, policies) = try await Self.server(responses: dry)
        let worker = try await server.registerWorkload("dry-then-live", extra: ["environment": "dev"])
        try await twin(of: worker, named: "dry-then-live-twin", on: server)
        var would: [[String: Any]] = []
        for _ in 0..<80 where would.isEmpty {
            would = try await details(server, type: "response.would_suspend", subject: worker.clientID)
            if would.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(would.count == 1)
        try Data(dry.replacingOccurrences(of: "\"dry_run\": true", with: "\"dry_run\": false").utf8).write(
            to: URL(fileURLWithPath: policies + "/responses.json"))
        let (shown, _) = try await poll(
            seconds: 10, request: { try await server.admin("GET", "/v1/identities/\(worker.id)") },
            until: { $0.json["status"] as? String == "suspended" })
        #expect(shown.json["status"] as? String == "suspended", "live rules act on the finding the dry run saw")
    }

    /// A held agent's existing token does not keep working for tool calls, and the call's record carries the agent's
    /// risk; a person's release lets the next call through.
    @Test func aHoldAndTheAgentsRiskReachItsToolCalls() async throws {
        let (server, _) = try await Self.server(
            responses: """
                {"rules": [{"id": "hold-agent", "when": {"category": "shared-credential"}, "actions": ["require-approval"]}]}
                """)
        let setup = try await server.agentInTask(
            "held-agent", tools: [("search", "low")], taskTools: ["search"], extra: ["environment": "dev"])
        let agent = setup.agent
        func call() async throws -> TestServer.Reply { try await server.toolCall(setup.token, ["tool": "search"]) }
        #expect(try await call().json["decision"] as? String == "allow")
        try await twin(of: agent, named: "held-agent-twin", on: server)
        let (held, _) = try await poll(seconds: 8, request: call, until: { $0.json["decision"] as? String != "allow" })
        #expect(held.json["decision"] as? String == "deny", "\(held.json)")
        #expect((held.json["reasons"] as? [String])?.first?.contains("held by response rule hold-agent") == true)
        let denied = try #require(
            try await details(server, type: "tool.call.denied", subject: agent.clientID).last)
        #expect(denied["agent_risk"] as? String == "medium" && denied["open_findings"] as? [String] == ["shared-credential"])
        #expect(
            try await server.admin("POST", "/v1/identities/\(agent.id)/release", json: ["reason": "checked"]).status == 200)
        #expect(try await call().json["decision"] as? String == "allow")
    }

    /// A finding that opens and one that clears are audit records (`finding.opened`, `finding.resolved` by `system`):
    /// the SOC sees them through the sinks.
    @Test func findingLifecycleChangesAreAuditedForTheSOC() async throws {
        let server = try await TestServer.start()
        let worker = try await server.registerWorkload("lifecycle")
        let clone = try await twin(of: worker, named: "lifecycle-clone", on: server)
        #expect(try await server.admin("GET", "/v1/findings").status == 200)
        let opened = try await server.auditRecords().filter {
            $0["type"] as? String == "finding.opened"
                && ($0["details"] as? [String: Any])?["category"] as? String == "shared-credential"
        }
        #expect(opened.count == 1 && opened.first?["actor"] as? String == "system", "\(opened)")
        #expect(try await server.admin("POST", "/v1/identities/\(clone)/retire", json: ["reason": "clone removed"]).status == 200)
        #expect(try await server.admin("GET", "/v1/findings").status == 200)
        let resolved = try await server.auditRecords().filter {
            $0["type"] as? String == "finding.resolved" && $0["actor"] as? String == "system"
        }
        #expect(
            resolved.contains {
                ($0["details"] as? [String: Any])?["finding_id"] as? String
                    == (opened.first?["details"] as? [String: Any])?["finding_id"] as? String
            })
        let before = try await server.auditRecords().filter { ($0["type"] as? String ?? "").hasPrefix("finding.") }.count
        #expect(try await server.admin("GET", "/v1/findings").status == 200)
        let after = try await server.auditRecords().filter { ($0["type"] as? String ?? "").hasPrefix("finding.") }.count
        #expect(after == before, "an evaluation with nothing new writes no finding record")
    }

    /// A server on a copy of the default policies with `responses`, refreshing risk every 0.5 s; the policy folder.
    static func server(responses: String, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> (
        TestServer, String
    ) {
        let policies = try policyFolder(responses: responses)
        let server = try await TestServer.start { configuration in
            configuration.policyDirectory = policies
            configuration.risk.refreshInterval = 0.5
            configure(&configuration)
        }
        return (server, policies)
    }

    /// A copy of the default policies with `responses.json`.
    static func policyFolder(responses: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/default")
        for name in ["tessera.cedar", "schema.cedarschema"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try Data(responses.utf8).write(to: folder.appendingPathComponent("responses.json"))
        return folder.path
    }
}
