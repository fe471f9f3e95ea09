import Foundation
import TesseraServer
import TesseraTestSupport
import Testing

/// A task's tool-call budget on a server alone on SQLite, counted in memory and stored with each allowed decision:
/// exact under parallel calls, and kept across a restart.
@Suite(.serialized, .stopsServers) struct ToolCallBudgetTests {
    @Test func parallelCallsNeverExceedTheBudgetAndARestartKeepsTheCount() async throws {
        let directory = NSTemporaryDirectory() + "tessera-budget-" + UUID().uuidString
        let first = try await TestServer.start(dataDirectory: directory) {
            $0.toolCallBudget = 5
            $0.toolCallsPerMinute = 1000
        }
        let adminToken = first.adminToken
        let kek = first.kek
        let setup = try await first.agentInTask("budget-agent", tools: [("echo", "low")], taskTools: ["echo"])
        let decisions = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask { try await first.toolCall(setup.token, ["tool": "echo"]).json["decision"] as? String ?? "none" }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(decisions.filter { $0 == "allow" }.count == 5, "\(decisions)")
        #expect(decisions.filter { $0 == "deny" }.count == 15, "\(decisions)")
        await first.stop()

        // A new process starts the task from the stored total: the budget stays spent.
        let second = try await TestServer.start(dataDirectory: directory, kek: kek) {
            $0.toolCallBudget = 5
            $0.toolCallsPerMinute = 1000
        }
        let token = try #require(
            try await second.requestToken(setup.agent) { $0["task_id"] = setup.taskID }.json["access_token"] as? String)
        let after = try await second.toolCall(token, ["tool": "echo"])
        #expect(after.json["decision"] as? String == "deny", "\(after.json)")
        #expect((after.json["reasons"] as? [String])?.first?.contains("budget (5) is exhausted") == true, "\(after.json)")
        // Another task of the same agent has its own budget.
        let other = try await second.admin(
            "POST", "/v1/tasks",
            json: ["intent": "another", "identities": [setup.agent.clientID], "scopes": ["tool:echo"], "ttl": 600],
            token: adminToken)
        let otherID = try #require(other.json["id"] as? String)
        let otherToken = try #require(
            try await second.requestToken(setup.agent) { $0["task_id"] = otherID }.json["access_token"] as? String)
        #expect(try await second.toolCall(otherToken, ["tool": "echo"]).json["decision"] as? String == "allow")
        await second.stop()
    }

    @Test func refusedCallsGiveTheirPlaceBackAcrossARestart() async throws {
        let directory = NSTemporaryDirectory() + "tessera-budget-" + UUID().uuidString
        let first = try await TestServer.start(dataDirectory: directory) { $0.toolCallBudget = 3 }
        let kek = first.kek
        let setup = try await first.agentInTask("refund-agent", tools: [("echo", "low")], taskTools: ["echo"])
        #expect(try await first.toolCall(setup.token, ["tool": "echo"]).json["decision"] as? String == "allow")
        // Not in the catalogue, then not in the task: refused without using the budget.
        #expect(try await first.toolCall(setup.token, ["tool": "nope"]).json["decision"] as? String == "deny")
        #expect(try await first.toolCall(setup.token, ["tool": "nope"]).json["decision"] as? String == "deny")
        await first.stop()
        let second = try await TestServer.start(dataDirectory: directory, kek: kek) { $0.toolCallBudget = 3 }
        let token = try #require(
            try await second.requestToken(setup.agent) { $0["task_id"] = setup.taskID }.json["access_token"] as? String)
        #expect(try await second.toolCall(token, ["tool": "echo"]).json["decision"] as? String == "allow")
        #expect(try await second.toolCall(token, ["tool": "echo"]).json["decision"] as? String == "allow")
        let spent = try await second.toolCall(token, ["tool": "echo"])
        #expect(spent.json["decision"] as? String == "deny", "1 before the restart + 2 after = the budget of 3")
        await second.stop()
    }
}
