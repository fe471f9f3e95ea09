import Foundation
import MCP
import TesseraTestSupport
import Testing

@testable import TesseraMCP

/// The other pairing: the agent talks to the gateway over stdio (token from the environment, as
/// `TESSERA_AGENT_TOKEN`), the gateway talks to a Streamable HTTP MCP server that answers with server-sent events.
@Suite(.serialized, .stopsServers) struct MCPGatewayStdioEndToEndTests {
    @Test func agentOverStdioThroughTheGatewayToAnHTTPServer() async throws {
        let tessera = try await TesseraHarness.start()
        let agent = try await tessera.agent(
            name: "ledger-agent", catalogue: GatewayFixtures.catalogue, taskTools: GatewayFixtures.taskTools)
        let log = GatewayFixtures.temporaryFile("calls.log")
        let (serverProcess, endpoint) = try GatewayFixtures.startHTTPTestServer(log: log)
        defer { serverProcess.terminate() }
        let upstream = try await UpstreamConnection.connect(UpstreamSpec(name: "ledger", endpoint: .http(endpoint)))
        let gateway = MCPGateway(
            upstreams: [upstream], authorizer: TesseraAuthorizationClient(base: URL(string: tessera.base)!), approvalTimeout: 60,
            pollInterval: .milliseconds(50))
        let link = StdioLink()
        let listener = Task {
            try await GatewayStdioListener(
                gateway: gateway, token: agent.token, input: link.gatewayInput, output: link.gatewayOutput
            ).run()
        }
        let client = Client(name: "scripted-agent", version: "1.0")
        try await client.connect(transport: link.agentTransport())

        #expect(try await client.listTools().tools.map(\.name).sorted() == ["add", "delete_records", "echo", "read_invoice"])
        let invoice = try await client.callTool(name: "read_invoice", arguments: ["id": "INV-42"])
        #expect(GatewayFixtures.text(invoice.content) == "invoice INV-42: 120.00 EUR, paid")

        // A human says no: the agent is told, with the approver's reason; nothing ran.
        async let refused = client.callTool(name: "delete_records", arguments: ["table": "ledger"])
        var pending: [String] = []
        #expect(
            try await GatewayFixtures.eventually {
                pending = try await tessera.pendingApprovals()
                return !pending.isEmpty
            })
        #expect(
            try await tessera.admin("POST", "/v1/approvals/\(pending[0])/deny", json: ["reason": "not during the audit"]).status
                == 200)
        let denial = try await refused
        #expect(denial.isError == true)
        #expect(GatewayFixtures.text(denial.content).contains("the approval was denied: not during the audit"))

        // Revoking the task while a call waits for its approval stops that call too.
        async let waiting = client.callTool(name: "delete_records", arguments: ["table": "archive"])
        #expect(try await GatewayFixtures.eventually { !(try await tessera.pendingApprovals()).isEmpty })
        #expect(try await tessera.admin("POST", "/v1/tasks/\(agent.taskID)/revoke", json: ["reason": "stop"]).status == 200)
        let stopped = try await waiting
        #expect(stopped.isError == true)
        #expect(GatewayFixtures.text(stopped.content).hasPrefix("Tessera refused the call to 'delete_records'"))
        #expect(GatewayFixtures.executed(log) == [#"read_invoice {"id":"INV-42"}"#])

        link.closeAgentSide()
        try await listener.value
        link.closeGatewaySide()
        await client.disconnect()
        await upstream.close()
        await tessera.stop()
    }

    @Test func aServerThatIsDownRefusesEverythingAndForwardsNothing() async throws {
        let log = GatewayFixtures.temporaryFile("calls.log")
        let upstream = try await UpstreamConnection.connect(
            UpstreamSpec(
                name: "billing", endpoint: .stdio(executable: GatewayFixtures.testServerPath, arguments: ["--log", log])))
        // Port 9 (discard) on loopback: nothing listens there.
        let gateway = MCPGateway(
            upstreams: [upstream], authorizer: TesseraAuthorizationClient(base: URL(string: "http://127.0.0.1:9")!))
        let link = StdioLink()
        let listener = Task {
            try await GatewayStdioListener(gateway: gateway, token: "token", input: link.gatewayInput, output: link.gatewayOutput)
                .run()
        }
        let client = Client(name: "scripted-agent", version: "1.0")
        try await client.connect(transport: link.agentTransport())
        do {
            _ = try await client.callTool(name: "echo", arguments: ["text": "hello"])
            Issue.record("a call must not succeed without Tessera")
        } catch let error as MCPError {
            #expect(error.errorDescription?.contains("Tessera server unavailable, nothing was forwarded") == true, "\(error)")
            #expect(error.errorDescription?.contains("127.0.0.1:9") == true)
        }
        #expect(GatewayFixtures.executed(log).isEmpty)
        link.closeAgentSide()
        try await listener.value
        link.closeGatewaySide()
        await client.disconnect()
        await upstream.close()
    }
}
