import Foundation
import MCP
import TesseraCore
import TesseraTestSupport
import Testing

@testable import TesseraMCP

/// The gateway's decisions with a scripted authorizer and real SDK servers on in-memory transports.
@Suite(.stopsServers) struct MCPGatewayTests {
    static let tools = [
        CatalogueTool(name: "search", description: "Search", risk: .low, requiresApproval: false),
        CatalogueTool(name: "refund", description: "Refund", risk: .high, requiresApproval: true),
    ]

    private func text(_ result: CallTool.Result) -> String {
        guard case .text(let text, _, _)? = result.content.first else { return "" }
        return text
    }

    @Test func listsOnlyTheCataloguedToolsWithTheirRisk() async throws {
        let upstream = try await InMemoryUpstream.start(name: "desk", tools: ["search", "refund", "drop_tables"])
        let gateway = MCPGateway(upstreams: [upstream.connection], authorizer: ScriptedAuthorizer(tools: Self.tools))
        let listed = try await gateway.listTools(token: "t")
        #expect(listed.map(\.name) == ["search", "refund"])
        #expect(listed[1]._meta?["tessera/requires_approval"] == .bool(true))
        #expect(listed[0]._meta?["tessera/risk"] == .string("low"))
    }

    @Test func severalUpstreamsAreNamespacedAndTesseraIsToldWhichServer() async throws {
        let desk = try await InMemoryUpstream.start(name: "desk", tools: ["search"])
        let wiki = try await InMemoryUpstream.start(name: "wiki", tools: ["search", "edit"])
        let authorizer = ScriptedAuthorizer(tools: Self.tools, decisions: [ToolCallDecision(decision: .allow)])
        let gateway = MCPGateway(upstreams: [desk.connection, wiki.connection], authorizer: authorizer)
        #expect(try await gateway.listTools(token: "t").map(\.name) == ["desk__search", "wiki__search"])
        let result = try await gateway.callTool(.init(name: "wiki__search", arguments: ["q": "vpn"]), token: "t")
        #expect(text(result) == "search ran")
        #expect(authorizer.asked.map(\.server) == ["wiki"])
        #expect(authorizer.asked.map(\.tool) == ["search"])
        #expect(authorizer.asked.first?.arguments == ["q": "vpn"])
        #expect(wiki.executed == ["search"] && desk.executed.isEmpty)
        await #expect(
            throws: MCPGatewayError(
                .unknownTool, "unknown tool 'search': tools are named <upstream>__<tool>, upstreams: desk, wiki")
        ) {
            try await gateway.callTool(.init(name: "search"), token: "t")
        }
    }

    @Test func aDenialIsAnErrorResultThatExplainsAndNothingIsForwarded() async throws {
        let upstream = try await InMemoryUpstream.start(name: "desk", tools: ["refund"])
        let denial = ToolCallDecision(
            decision: .deny, reasons: ["refund is not in the task's scope"], policies: ["agent-outside-task"], taskID: "task_1",
            callID: "call_9")
        let gateway = MCPGateway(upstreams: [upstream.connection], authorizer: ScriptedAuthorizer(decisions: [denial]))
        let result = try await gateway.callTool(.init(name: "refund", arguments: ["amount": 5]), token: "t")
        #expect(result.isError == true)
        #expect(
            text(result)
                == "Tessera refused the call to 'refund'. Reasons: refund is not in the task's scope. Policies: agent-outside-task. Call id: call_9."
        )
        guard case .object(let data)? = result._meta?["tessera/decision"] else {
            Issue.record("the refusal carries the decision as data")
            return
        }
        #expect(data["policies"] == .array([.string("agent-outside-task")]))
        #expect(upstream.executed.isEmpty)
    }

    @Test func anApprovedCallIsAskedAgainWithTheApprovalAndForwarded() async throws {
        let upstream = try await InMemoryUpstream.start(name: "desk", tools: ["refund"])
        let authorizer = ScriptedAuthorizer(
            decisions: [
                ToolCallDecision(
                    decision: .approvalRequired, approvalID: "apr_1", approvalURL: "http://tessera/v1/approvals/apr_1"),
                ToolCallDecision(decision: .allow),
            ],
            approvals: [ApprovalStatus(id: "apr_1", state: "pending"), ApprovalStatus(id: "apr_1", state: "approved")])
        let clock = ManualTimeSource()
        let gateway = MCPGateway(
            upstreams: [upstream.connection], authorizer: authorizer, approvalTimeout: 60, clock: clock,
            sleep: { _ in clock.advance(by: 1) })
        let result = try await gateway.callTool(.init(name: "refund", arguments: ["amount": 5]), token: "t")
        #expect(text(result) == "refund ran")
        #expect(authorizer.asked.map(\.approvalID) == [nil, "apr_1"])
        #expect(authorizer.asked[1].arguments == ["amount": 5], "the same call is asked again")
        #expect(authorizer.polls == 2)
        #expect(upstream.executed == ["refund"])
    }

    @Test func anApprovalThatNeverComesTimesOutOnTheInjectedClock() async throws {
        let upstream = try await InMemoryUpstream.start(name: "desk", tools: ["refund"])
        let authorizer = ScriptedAuthorizer(
            decisions: [
                ToolCallDecision(decision: .approvalRequired, approvalID: "apr_2", approvalURL: "http://t/v1/approvals/apr_2")
            ])
        let clock = ManualTimeSource()
        let gateway = MCPGateway(
            upstreams: [upstream.connection], authorizer: authorizer, approvalTimeout: 30, clock: clock,
            sleep: { _ in clock.advance(by: 10) })
        let result = try await gateway.callTool(.init(name: "refund"), token: "t")
        #expect(result.isError == true)
        #expect(text(result).contains("no human approved it within 30 s"))
        #expect(text(result).contains("Approval: http://t/v1/approvals/apr_2"))
        #expect(authorizer.polls == 4, "polled at 0, 10, 20 and 30 s")
        #expect(authorizer.asked.count == 1, "never re-asked without an approval")
        #expect(upstream.executed.isEmpty)
    }

    @Test func aReAskThatIsStillNotAllowIsRefused() async throws {
        let upstream = try await InMemoryUpstream.start(name: "desk", tools: ["refund"])
        let authorizer = ScriptedAuthorizer(
            decisions: [
                ToolCallDecision(decision: .approvalRequired, approvalID: "apr_3"),
                ToolCallDecision(decision: .deny, reasons: ["budget exhausted"]),
            ],
            approvals: [ApprovalStatus(id: "apr_3", state: "approved")])
        let gateway = MCPGateway(upstreams: [upstream.connection], authorizer: authorizer, sleep: { _ in })
        let result = try await gateway.callTool(.init(name: "refund"), token: "t")
        #expect(result.isError == true)
        #expect(text(result).contains("budget exhausted"))
        #expect(upstream.executed.isEmpty)
    }

    @Test func aRefusedTokenOrTaskIsAnErrorResultAndAnUnreachableServerAnMCPError() async throws {
        let upstream = try await InMemoryUpstream.start(name: "desk", tools: ["search"])
        let authorizer = ScriptedAuthorizer()
        authorizer.fail(with: MCPGatewayError(.forbidden, "task task_1 is revoked"))
        let gateway = MCPGateway(upstreams: [upstream.connection], authorizer: authorizer)
        let result = try await gateway.callTool(.init(name: "search"), token: "t")
        #expect(result.isError == true)
        #expect(text(result) == "Tessera refused the call to 'search': task task_1 is revoked.")
        authorizer.fail(with: MCPGatewayError(.unauthorized, "token revoked"))
        let revoked = try await gateway.callTool(.init(name: "search"), token: "t")
        #expect(revoked.isError == true)
        #expect(text(revoked).contains("not accepted (invalid, expired, or revoked with its task); Tessera says: token revoked"))

        authorizer.fail(with: MCPGatewayError(.serverUnavailable, "cannot reach the Tessera server"))
        await #expect(throws: MCPGatewayError.self) { try await gateway.callTool(.init(name: "search"), token: "t") }
        do {
            _ = try await GatewayServer.translated { try await gateway.callTool(.init(name: "search"), token: "t") }
        } catch let error as MCPError {
            #expect(error.code == -32603)
            #expect(error.errorDescription?.contains("nothing was forwarded") == true)
        }
        #expect(upstream.executed.isEmpty)
    }

    @Test func theAgentSeesTheGatewayThroughMCP() async throws {
        let upstream = try await InMemoryUpstream.start(name: "desk", tools: ["search"])
        let authorizer = ScriptedAuthorizer(tools: Self.tools, decisions: [ToolCallDecision(decision: .allow)])
        let gateway = MCPGateway(upstreams: [upstream.connection], authorizer: authorizer)
        let server = await GatewayServer.make(gateway: gateway, credential: .fixed("agent-token"))
        let (agentSide, gatewaySide) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: gatewaySide)
        let agent = Client(name: "agent", version: "1")
        try await agent.connect(transport: agentSide)
        #expect(try await agent.listTools().tools.map(\.name) == ["search"])
        let result = try await agent.callTool(name: "search", arguments: ["q": "x"])
        #expect(result.isError != true)
        await agent.disconnect()
        await server.stop()
    }
}
