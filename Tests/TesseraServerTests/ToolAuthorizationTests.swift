import Foundation
import TesseraServer
import TesseraTestSupport
import Testing

/// AI-agent tool calls decided at request time (docs/ai-agents.md), over real HTTP against a real server.
@Suite(.serialized, .stopsServers) struct ToolAuthorizationTests {
    private struct Setup {
        let server: TestServer
        let agent: Workload
        let taskID: String
        let token: String
    }

    private func setUp(
        taskScopes: [String] = ["tool:search_tickets", "tool:refund_payment"],
        configure: @escaping (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> Setup {
        let server = try await TestServer.start { configure(&$0) }
        let agent = try await server.registerWorkload("support-agent", scopes: [], extra: ["kind": "ai-agent"])
        let catalogue = try await server.admin(
            "PUT", "/v1/identities/\(agent.id)/tools",
            json: [
                "tools": [
                    ["name": "search_tickets", "description": "Search support tickets", "risk": "low"],
                    ["name": "refund_payment", "description": "Refund a card payment", "risk": "high"],
                    ["name": "close_ticket", "description": "Close a ticket", "risk": "medium"],
                ]
            ])
        #expect(catalogue.status == 200, "\(catalogue.json)")
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "resolve ticket 4711 for alice", "identities": [agent.clientID], "scopes": taskScopes, "ttl": 900,
                "initiator": "alice@example.com",
            ])
        let taskID = try #require(task.json["id"] as? String)
        let token = try #require(try await server.requestToken(agent) { $0["task_id"] = taskID }.json["access_token"] as? String)
        return Setup(server: server, agent: agent, taskID: taskID, token: token)
    }

    private func call(_ setup: Setup, _ body: [String: Any], token: String? = nil) async throws -> TestServer.Reply {
        try await setup.server.send(
            "POST", "/v1/authorize/tool-call", body: try JSONSerialization.data(withJSONObject: body),
            contentType: "application/json", headers: ["Authorization": "Bearer \(token ?? setup.token)"])
    }

    @Test func toolCallsAreDecidedAgainstTheTaskAndHighRiskOnesWaitForAHuman() async throws {
        let setup = try await setUp()
        let server = setup.server

        let listed = try await server.send("GET", "/v1/authorize/tools", headers: ["Authorization": "Bearer \(setup.token)"])
        let names = (listed.json["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["refund_payment", "search_tickets"], "close_ticket is catalogued but not in the task")

        let search = try await call(setup, ["tool": "search_tickets", "arguments": ["query": "4711"]])
        #expect(search.status == 200)
        #expect(search.json["decision"] as? String == "allow", "\(search.json)")
        #expect(search.json["task_id"] as? String == setup.taskID)

        let outside = try await call(setup, ["tool": "close_ticket", "arguments": ["id": 4711]])
        #expect(outside.json["decision"] as? String == "deny")
        #expect((outside.json["policies"] as? [String])?.contains("agent-outside-task") == true, "\(outside.json)")
        let unknown = try await call(setup, ["tool": "drop_database"])
        #expect(unknown.json["decision"] as? String == "deny")
        #expect((unknown.json["reasons"] as? [String])?.first?.contains("not in the catalogue") == true)

        // High risk: approval required, a human approves, the approved call (same arguments) goes through once.
        let refund = ["tool": "refund_payment", "arguments": ["payment": "pay_1", "amount": 42]] as [String: Any]
        let pending = try await call(setup, refund)
        #expect(pending.json["decision"] as? String == "approval_required", "\(pending.json)")
        let approvalID = try #require(pending.json["approval_id"] as? String)
        #expect((pending.json["approval_url"] as? String)?.hasSuffix("/v1/approvals/\(approvalID)") == true)
        let again = try await call(setup, refund)
        #expect(again.json["approval_id"] as? String == approvalID, "the same call waits on the same approval")
        let state = try await server.send(
            "GET", "/v1/approvals/\(approvalID)", headers: ["Authorization": "Bearer \(setup.token)"])
        #expect(state.json["state"] as? String == "pending")
        #expect((state.json["chain"] as? [String]) == [setup.agent.clientID])
        var premature = refund
        premature["approval_id"] = approvalID
        #expect(try await call(setup, premature).json["decision"] as? String == "deny", "pending is not approved")

        #expect(
            try await server.admin("POST", "/v1/approvals/\(approvalID)/approve", json: ["reason": "ok, customer verified"])
                .status == 200)
        var otherArguments = premature
        otherArguments["arguments"] = ["payment": "pay_1", "amount": 4200]
        #expect(try await call(setup, otherArguments).json["decision"] as? String == "deny", "approval binds the arguments")
        let approved = try await call(setup, premature)
        #expect(approved.json["decision"] as? String == "allow", "\(approved.json)")
        #expect(try await call(setup, premature).json["decision"] as? String == "deny", "an approval is single-use")
        #expect(try await server.admin("POST", "/v1/approvals/\(approvalID)/deny").status == 409)

        // A denied approval.
        var second = refund
        second["arguments"] = ["payment": "pay_2", "amount": 10]
        let secondID = try #require(try await call(setup, second).json["approval_id"] as? String)
        #expect(
            try await server.admin("POST", "/v1/approvals/\(secondID)/deny", json: ["reason": "no"]).json["state"] as? String
                == "denied")
        second["approval_id"] = secondID
        #expect(try await call(setup, second).json["decision"] as? String == "deny")

        // Every decision is audited with the chain.
        let records = try await server.auditRecords()
        let toolRecords = records.filter { ($0["type"] as? String)?.hasPrefix("tool.call.") == true }
        #expect(toolRecords.filter { $0["type"] as? String == "tool.call.allowed" }.count == 2)
        #expect(toolRecords.filter { $0["type"] as? String == "tool.call.approval_required" }.count == 3)
        #expect(toolRecords.allSatisfy { (($0["details"] as? [String: Any])?["chain"] as? [String]) == [setup.agent.clientID] })
        #expect(records.contains { $0["type"] as? String == "tool.approval.approved" })

        // Emergency stop: revoking the task refuses the next call at once.
        #expect(
            try await server.admin("POST", "/v1/tasks/\(setup.taskID)/revoke", json: ["reason": "agent misbehaving"]).status
                == 200)
        let stopped = try await call(setup, ["tool": "search_tickets"])
        #expect(stopped.status == 401 || stopped.status == 403, "revoked task (and its revoked token) stop the agent")
    }

    @Test func budgetsAndRateLimitsContainAnAgent() async throws {
        let setup = try await setUp {
            $0.toolCallBudget = 4
            $0.toolCallsPerMinute = 2
        }
        #expect(try await call(setup, ["tool": "search_tickets"]).json["decision"] as? String == "allow")
        #expect(try await call(setup, ["tool": "search_tickets"]).json["decision"] as? String == "allow")
        let limited = try await call(setup, ["tool": "search_tickets"])
        #expect(limited.json["decision"] as? String == "deny")
        #expect((limited.json["reasons"] as? [String])?.first?.contains("rate limit") == true)
        setup.server.clock.advance(by: 61)
        #expect(try await call(setup, ["tool": "search_tickets"]).json["decision"] as? String == "allow")
        #expect(try await call(setup, ["tool": "search_tickets"]).json["decision"] as? String == "allow")
        setup.server.clock.advance(by: 61)
        let exhausted = try await call(setup, ["tool": "search_tickets"])
        #expect((exhausted.json["reasons"] as? [String])?.first?.contains("budget (4) is exhausted") == true, "\(exhausted.json)")
    }

    @Test func onlyAgentsInAnOpenTaskWithAValidTokenMayAsk() async throws {
        let setup = try await setUp()
        let server = setup.server
        #expect(try await call(setup, ["tool": "search_tickets"], token: "garbage").status == 401)
        let noTask = try #require(try await server.requestToken(setup.agent).json["access_token"] as? String)
        let refused = try await call(setup, ["tool": "search_tickets"], token: noTask)
        #expect(refused.status == 403)
        let service = try await server.registerWorkload("billing-service")
        let task = try await server.admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "x", "identities": [service.clientID], "scopes": ["invoices:read"], "ttl": 60,
            ])
        let serviceToken = try #require(
            try await server.requestToken(service) { $0["task_id"] = task.json["id"] as? String }.json["access_token"] as? String)
        let notAgent = try await call(setup, ["tool": "search_tickets"], token: serviceToken)
        #expect(notAgent.status == 403)
        #expect((notAgent.json["detail"] as? String)?.contains("only ai-agent") == true)
        for bad in [
            ["tool": ""], ["tool": "x y"], ["tool": "a", "arguments_digest": "zz"], ["tool": "a", "colour": 1],
            ["tool": "a", "arguments": [:], "arguments_digest": String(repeating: "0", count: 64)],
        ] as [[String: Any]] {
            #expect(try await call(setup, bad).status == 400, "\(bad)")
        }
        #expect(try await server.admin("PUT", "/v1/identities/\(service.id)/tools", json: ["tools": []]).status == 400)
        #expect(
            try await server.admin(
                "PUT", "/v1/identities/\(setup.agent.id)/tools", json: ["tools": [["name": "a", "risk": "extreme"]]]
            ).status == 400)
        #expect(
            try await server.send("GET", "/v1/approvals/apr_nope", headers: ["Authorization": "Bearer \(setup.token)"]).status
                == 404)
        #expect(try await server.admin("POST", "/v1/approvals/apr_nope/approve").status == 404)
    }
}
