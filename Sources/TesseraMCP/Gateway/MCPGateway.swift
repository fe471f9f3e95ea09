import Foundation
import Logging
import MCP
import TesseraCore

/// The gateway's decisions: which tools an agent sees, and whether a call reaches its upstream.
///
/// Every `tools/call` is asked of Tessera (`POST /v1/authorize/tool-call`) and forwarded only on `allow`; nothing is
/// cached, so revoking the task refuses the very next call. `approval_required` waits for a human (polling the
/// approval, bounded by `approvalTimeout`) and then asks again with the approval's id.
public struct MCPGateway: Sendable {
    public static let version = "0.1.0"

    public let upstreams: [UpstreamConnection]
    public let naming: ToolNaming
    let authorizer: any ToolAuthorizer
    let approvalTimeout: TimeInterval
    let pollInterval: Duration
    let clock: any TimeSource
    let sleep: @Sendable (Duration) async throws -> Void
    let logger: Logger

    /// - Parameters:
    ///   - approvalTimeout: Seconds a call waits for a human's approval before it is refused.
    ///   - pollInterval: How often a pending approval is checked.
    ///   - clock: Decides when the approval wait is over.
    ///   - sleep: Waits between polls (tests pass one that moves a manual clock).
    public init(
        upstreams: [UpstreamConnection], authorizer: any ToolAuthorizer, approvalTimeout: TimeInterval = 120,
        pollInterval: Duration = .milliseconds(500), clock: any TimeSource = SystemTimeSource(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        logger: Logger = Logger(label: "tessera.mcp-gateway", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.upstreams = upstreams
        self.naming = ToolNaming(upstreams: upstreams.map(\.name))
        self.authorizer = authorizer
        self.approvalTimeout = approvalTimeout
        self.pollInterval = pollInterval
        self.clock = clock
        self.sleep = sleep
        self.logger = logger
    }

    /// The upstream tools the agent's task allows, named as the agent must call them, with Tessera's risk level and
    /// approval requirement in `_meta` (`tessera/risk`, `tessera/requires_approval`).
    public func listTools(token: String) async throws -> [Tool] {
        let catalogue = try await authorizer.catalogue(token: token)
        var visible: [Tool] = []
        var failures: [any Error] = []
        for upstream in upstreams {
            let tools: [Tool]
            do {
                tools = try await upstream.listTools()
            } catch {
                logger.warning("tools/list skipped an upstream", metadata: ["upstream": "\(upstream.name)", "error": "\(error)"])
                failures.append(error)
                continue
            }
            for tool in tools {
                guard let entry = catalogue.tool(named: tool.name) else { continue }
                var meta = tool._meta ?? Metadata()
                meta.fields["tessera/risk"] = .string(entry.risk.rawValue)
                meta.fields["tessera/requires_approval"] = .bool(entry.requiresApproval)
                visible.append(
                    Tool(
                        name: naming.exposedName(upstream: upstream.name, tool: tool.name), title: tool.title,
                        description: tool.description, inputSchema: tool.inputSchema, annotations: tool.annotations,
                        outputSchema: tool.outputSchema, icons: tool.icons, _meta: meta))
            }
        }
        if let failure = failures.first, failures.count == upstreams.count { throw failure }
        return visible
    }

    /// Asks Tessera, and forwards the call upstream only if the answer is `allow`. A refusal is a tool result with
    /// `isError: true` whose text says why (reasons, policies, call id); its `_meta["tessera/decision"]` carries the
    /// same as data. An unreachable Tessera server is an MCP error: the call is not forwarded (fail closed).
    public func callTool(_ params: CallTool.Parameters, token: String) async throws -> CallTool.Result {
        guard let (upstreamName, tool) = naming.resolve(params.name),
            let upstream = upstreams.first(where: { $0.name == upstreamName })
        else {
            throw MCPGatewayError(
                .unknownTool,
                naming.namespaced
                    ? "unknown tool '\(params.name)': tools are named <upstream>__<tool>, upstreams: \(naming.upstreams.joined(separator: ", "))"
                    : "unknown tool '\(params.name)'")
        }
        let request = ToolCallRequest(tool: tool, server: upstream.name, arguments: params.arguments ?? [:])
        do {
            var decision = try await authorizer.authorize(request, token: token)
            log(decision, request)
            if decision.decision == .approvalRequired {
                guard let approvalID = decision.approvalID else {
                    return Refusal(decision: decision, tool: params.name, why: "approval required, but Tessera named no approval")
                        .result
                }
                logger.notice(
                    "tool call waits for a human's approval",
                    metadata: [
                        "tool": "\(tool)", "approval_id": "\(approvalID)", "approval_url": "\(decision.approvalURL ?? "")",
                    ])
                let status = try await waitForApproval(id: approvalID, token: token)
                guard let status, status.isApproved else {
                    let why =
                        status.map { "the approval was \($0.state)" + ($0.reason.map { ": \($0)" } ?? "") }
                        ?? "no human approved it within \(Int(approvalTimeout)) s"
                    return Refusal(decision: decision, tool: params.name, why: why).result
                }
                decision = try await authorizer.authorize(request.with(approvalID: approvalID), token: token)
                log(decision, request)
            }
            guard decision.decision == .allow else {
                return Refusal(decision: decision, tool: params.name, why: nil).result
            }
        } catch let error as MCPGatewayError where error.code == .unauthorized || error.code == .forbidden {
            logger.info("tool call refused by Tessera", metadata: ["tool": "\(tool)", "status": "\(error.code)"])
            return Refusal(error: error, tool: params.name).result
        }
        return try await upstream.callTool(tool, arguments: params.arguments, meta: params._meta)
    }

    /// Polls approval `id` until a human decides or the timeout passes (nil).
    func waitForApproval(id: String, token: String) async throws -> ApprovalStatus? {
        let deadline = clock.now().addingTimeInterval(approvalTimeout)
        while true {
            let status = try await authorizer.approval(id: id, token: token)
            if !status.isPending { return status }
            if clock.now() >= deadline { return nil }
            try await sleep(pollInterval)
        }
    }

    private func log(_ decision: ToolCallDecision, _ request: ToolCallRequest) {
        logger.info(
            "tool call decided",
            metadata: [
                "tool": "\(request.tool)", "upstream": "\(request.server ?? "")", "decision": "\(decision.decision.rawValue)",
                "call_id": "\(decision.callID ?? "")", "task_id": "\(decision.taskID ?? "")",
            ])
    }
}
