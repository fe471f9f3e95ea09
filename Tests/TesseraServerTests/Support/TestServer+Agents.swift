import Foundation
import TesseraTestSupport
import Testing

/// An AI agent with a tool catalogue, inside an open task, holding its task token.
struct AgentInTask {
    let agent: Workload
    let taskID: String
    let token: String
}

extension TestServer {
    /// Registers an ai-agent `name` with `tools` (name → risk) in its catalogue, starts a task naming it with
    /// `tool:<name>` for each of `taskTools`, and requests its token in that task.
    func agentInTask(
        _ name: String, tools: [(name: String, risk: String)], taskTools: [String], extra: [String: Any] = [:]
    ) async throws -> AgentInTask {
        let agent = try await registerWorkload(name, scopes: [], extra: extra.merging(["kind": "ai-agent"]) { $1 })
        let catalogue = tools.map { ["name": $0.name, "description": $0.name, "risk": $0.risk] }
        let listed = try await admin("PUT", "/v1/identities/\(agent.id)/tools", json: ["tools": catalogue])
        #expect(listed.status == 200, "\(listed.json)")
        let task = try await admin(
            "POST", "/v1/tasks",
            json: [
                "intent": "\(name) at work", "identities": [agent.clientID], "scopes": taskTools.map { "tool:\($0)" },
                "ttl": 900, "initiator": "alice@example.com",
            ])
        let taskID = try #require(task.json["id"] as? String)
        let token = try #require(try await requestToken(agent) { $0["task_id"] = taskID }.json["access_token"] as? String)
        return AgentInTask(agent: agent, taskID: taskID, token: token)
    }

    /// `POST /v1/authorize/tool-call` with `body` as the agent.
    func toolCall(_ token: String, _ body: [String: Any]) async throws -> Reply {
        try await send(
            "POST", "/v1/authorize/tool-call", body: try JSONSerialization.data(withJSONObject: body),
            contentType: "application/json", headers: ["Authorization": "Bearer \(token)"])
    }
}
