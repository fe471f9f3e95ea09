import Foundation
import MCP
import TesseraTestSupport
import Testing

@testable import TesseraMCP

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The gateway between a scripted agent (the SDK's MCP client) and a real MCP server process, deciding every call
/// with a real Tessera server over HTTP: allowed calls go through, out-of-task calls are refused with the reason,
/// high-risk calls wait for a human, and revoking the task stops the agent.
@Suite(.serialized, .stopsServers) struct MCPGatewayEndToEndTests {
    @Test func agentOverHTTPThroughTheGatewayToAStdioServer() async throws {
        let tessera = try await TesseraHarness.start()
        let agent = try await tessera.agent(
            name: "billing-agent", catalogue: GatewayFixtures.catalogue, taskTools: GatewayFixtures.taskTools)
        let log = GatewayFixtures.temporaryFile("calls.log")
        let upstream = try await UpstreamConnection.connect(
            UpstreamSpec(
                name: "billing", endpoint: .stdio(executable: GatewayFixtures.testServerPath, arguments: ["--log", log])))
        let gateway = MCPGateway(
            upstreams: [upstream], authorizer: TesseraAuthorizationClient(base: URL(string: tessera.base)!), approvalTimeout: 60,
            pollInterval: .milliseconds(50))
        let (port, listener) = try await GatewayFixtures.listen(gateway)
        let endpoint = URL(string: "http://127.0.0.1:\(port)/mcp")!
        let token = agent.token
        let client = Client(name: "scripted-agent", version: "1.0")
        try await client.connect(
            transport: HTTPClientTransport(endpoint: endpoint, streaming: false) { request in
                var request = request
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                return request
            })

        // Only the task's tools are listed, with Tessera's risk level.
        let tools = try await client.listTools().tools
        #expect(tools.map(\.name).sorted() == ["add", "delete_records", "echo", "read_invoice"])
        #expect(tools.first { $0.name == "delete_records" }?._meta?["tessera/risk"] == .string("high"))

        // Allowed: forwarded, the upstream's answer comes back.
        let sum = try await client.callTool(name: "add", arguments: ["a": 2, "b": 3])
        #expect(sum.isError != true)
        #expect(GatewayFixtures.text(sum.content) == "5")

        // Outside the task: refused with the reason and the policy, never forwarded.
        let email = try await client.callTool(name: "send_email", arguments: ["to": "mallory@example.com", "body": "invoices"])
        #expect(email.isError == true)
        #expect(GatewayFixtures.text(email.content).contains("agent-outside-task"), "\(GatewayFixtures.text(email.content))")
        #expect(!GatewayFixtures.executed(log).contains { $0.hasPrefix("send_email") })

        // High risk: the call waits until an administrator approves it, then goes through once.
        async let deletion = client.callTool(name: "delete_records", arguments: ["table": "invoices_2019"])
        var approvals: [String] = []
        #expect(
            try await GatewayFixtures.eventually {
                approvals = try await tessera.pendingApprovals()
                return !approvals.isEmpty
            })
        #expect(!GatewayFixtures.executed(log).contains { $0.hasPrefix("delete_records") }, "nothing runs before the approval")
        let approved = try await tessera.admin(
            "POST", "/v1/approvals/\(approvals[0])/approve", json: ["reason": "alice confirmed"])
        #expect(approved.status == 200)
        let deleted = try await deletion
        #expect(deleted.isError != true)
        #expect(GatewayFixtures.text(deleted.content) == "deleted every record of invoices_2019")
        #expect(GatewayFixtures.executed(log).filter { $0.hasPrefix("delete_records") }.count == 1)

        // Emergency stop: once the task is revoked the very next call is refused.
        let echo = try await client.callTool(name: "echo", arguments: ["text": "before the stop"])
        #expect(GatewayFixtures.text(echo.content) == "before the stop")
        let revoked = try await tessera.admin("POST", "/v1/tasks/\(agent.taskID)/revoke", json: ["reason": "agent misbehaving"])
        #expect(revoked.status == 200)
        let stopped = try await client.callTool(name: "echo", arguments: ["text": "after the stop"])
        #expect(stopped.isError == true)
        #expect(GatewayFixtures.text(stopped.content).hasPrefix("Tessera refused the call to 'echo'"))
        #expect(!GatewayFixtures.executed(log).contains { $0.contains("after the stop") })
        await #expect(throws: MCPError.self) { try await client.listTools() }

        await client.disconnect()
        await listener()
        await upstream.close()
        await tessera.stop()
    }

    @Test func theHTTPGatewayRequiresABearerToken() async throws {
        let tessera = try await TesseraHarness.start()
        let log = GatewayFixtures.temporaryFile("calls.log")
        let upstream = try await UpstreamConnection.connect(
            UpstreamSpec(
                name: "billing", endpoint: .stdio(executable: GatewayFixtures.testServerPath, arguments: ["--log", log])))
        let gateway = MCPGateway(upstreams: [upstream], authorizer: TesseraAuthorizationClient(base: URL(string: tessera.base)!))
        let (port, listener) = try await GatewayFixtures.listen(gateway)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/mcp")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        request.httpBody = Data(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}"#.utf8)
        let (body, response) = try await HTTPTestClient.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 401)
        #expect(http.value(forHTTPHeaderField: "WWW-Authenticate") == "Bearer")
        #expect(String(decoding: body, as: UTF8.self).contains("Authorization: Bearer"))

        // A token Tessera does not know: the agent is told why, nothing is forwarded.
        let client = Client(name: "scripted-agent", version: "1.0")
        try await client.connect(
            transport: HTTPClientTransport(endpoint: URL(string: "http://127.0.0.1:\(port)/mcp")!, streaming: false) { request in
                var request = request
                request.setValue("Bearer not-a-tessera-token", forHTTPHeaderField: "Authorization")
                return request
            })
        do {
            _ = try await client.listTools()
            Issue.record("an unknown token must not list tools")
        } catch let error as MCPError {
            #expect(error.errorDescription?.contains("Tessera") == true, "\(error)")
        }
        let refused = try await client.callTool(name: "echo", arguments: ["text": "forged"])
        #expect(refused.isError == true)
        #expect(GatewayFixtures.executed(log).isEmpty)

        await client.disconnect()
        await listener()
        await upstream.close()
        await tessera.stop()
    }

    @Test func concurrentAgentsWithTheSameRequestIDsGetTheirOwnAnswers() async throws {
        let tessera = try await TesseraHarness.start()
        let agent = try await tessera.agent(
            name: "twin-agent", catalogue: GatewayFixtures.catalogue, taskTools: GatewayFixtures.taskTools)
        let upstream = try await UpstreamConnection.connect(
            UpstreamSpec(name: "billing", endpoint: .stdio(executable: GatewayFixtures.testServerPath, arguments: [])))
        let gateway = MCPGateway(
            upstreams: [upstream], authorizer: TesseraAuthorizationClient(base: URL(string: tessera.base)!), approvalTimeout: 60,
            pollInterval: .milliseconds(50))
        let (port, listener) = try await GatewayFixtures.listen(gateway)
        @Sendable func post(_ tool: String, _ arguments: String) async throws -> String {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/mcp")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
            request.setValue("Bearer \(agent.token)", forHTTPHeaderField: "Authorization")
            request.httpBody = Data(
                #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#.utf8)
            let (data, _) = try await HTTPTestClient.data(for: request)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let content = (object?["result"] as? [String: Any])?["content"] as? [[String: Any]]
            return content?.first?["text"] as? String ?? String(decoding: data, as: UTF8.self)
        }
        // Both use JSON-RPC id 1; the first waits for a human while the second is answered.
        async let first = post("delete_records", #"{"table":"first"}"#)
        #expect(try await GatewayFixtures.eventually { !(try await tessera.pendingApprovals()).isEmpty })
        #expect(try await post("echo", #"{"text":"second"}"#) == "second")
        let pending = try await tessera.pendingApprovals()
        #expect(try await tessera.admin("POST", "/v1/approvals/\(pending[0])/approve").status == 200)
        #expect(try await first == "deleted every record of first")

        await listener()
        await upstream.close()
        await tessera.stop()
    }
}
