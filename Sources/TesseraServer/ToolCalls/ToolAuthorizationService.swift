import Crypto
import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Request-time authorization of AI-agent tool calls: the agent's token (its task, its delegation chain),
/// its tool catalogue, Cedar, per-task budgets and rate limits, and human approvals for high-risk tools.
/// Every decision is audited with the full chain before it is answered.
struct ToolAuthorizationService: Sendable {
    let tokens: TokenService
    let tasks: any TaskRepository
    let identities: any IdentityRepository
    let repository: any ToolCatalogueRepository
    let authorizer: ToolCallAuthorizer
    let limiter: ToolCallRateLimiter
    let audit: AuditLog
    let clock: any TimeSource
    let issuer: String
    /// Most tool calls authorized in one task.
    let budget: Int
    /// Most tool calls authorized per task per minute.
    let ratePerMinute: Int
    /// How long an approval request (and an approval) stays usable.
    let approvalTTL: TimeInterval
    /// Set on a server alone on SQLite: budgets counted in memory and stored with each allowed decision's audit record
    /// (`ToolCallCounter`); nil: counted in the database, shared by every server.
    var counter: ToolCallCounter? = nil

    /// Who is calling: the token's task, the acting agent, and the chain (subject first, then actors).
    struct Caller: Sendable {
        let task: WorkTask
        let agent: Identity
        let chain: [String]
        let tokenID: String
    }

    func caller(_ presented: ResourceRequest) async throws -> Caller {
        let claims = try await tokens.authenticateResource(presented)
        guard let sub = claims.sub, let jti = claims.jti else {
            throw ProblemDetails(.unauthorized, "Unauthorized", detail: "token has no subject")
        }
        guard let taskID = claims.taskID else {
            throw ProblemDetails(
                .forbidden, "Forbidden", detail: "tool calls belong to a task: request the agent's token with task_id")
        }
        let now = clock.now()
        guard let task = try await tasks.get(id: taskID) else {
            throw ProblemDetails(.forbidden, "Forbidden", detail: "task \(taskID) does not exist")
        }
        let state = task.effectiveState(at: now)
        guard state == .open else { throw ProblemDetails(.forbidden, "Forbidden", detail: "task \(taskID) is \(state.rawValue)") }
        let actors = claims.act?.subjects ?? []
        let agentID = actors.first ?? sub
        guard let agent = try await identities.get(spiffeID: agentID) else {
            throw ProblemDetails(.forbidden, "Forbidden", detail: "\(agentID) is not in the inventory")
        }
        guard agent.kind == .aiAgent else {
            throw ProblemDetails(
                .forbidden, "Forbidden",
                detail: "only ai-agent identities call tools here; \(agentID) is a \(agent.kind.rawValue)")
        }
        if case .ineligible(let reason) = agent.eligibility(at: now) {
            throw ProblemDetails(.forbidden, "Forbidden", detail: reason)
        }
        guard task.identities.contains(agentID) else {
            throw ProblemDetails(.forbidden, "Forbidden", detail: "\(agentID) is not allowed to act in task \(taskID)")
        }
        return Caller(task: task, agent: agent, chain: [sub] + actors, tokenID: jti)
    }

    /// The catalogue tools this agent may use in its task (the task's scopes carry `tool:<name>`).
    func tools(for caller: Caller) async throws -> [CatalogueTool] {
        try await repository.tools(identity: caller.agent.clientID).filter { caller.task.scopes.contains($0.scope) }
    }

    struct CallRequest: Sendable {
        let tool: String
        let server: String?
        let resource: String?
        let argumentsDigest: String
        let approvalID: String?
    }

    struct Outcome: Encodable, Sendable {
        let decision: String
        let reasons: [String]
        let policies: [String]
        let taskID: String
        let callID: String
        let approvalID: String?
        let approvalURL: String?
        enum CodingKeys: String, CodingKey {
            case decision, reasons, policies
            case taskID = "task_id"
            case callID = "call_id"
            case approvalID = "approval_id"
            case approvalURL = "approval_url"
        }
    }

    func authorize(_ caller: Caller, _ call: CallRequest, source: String?) async throws -> Outcome {
        let now = clock.now()
        let callID = "call_" + RandomToken.hex(bytes: 10)
        let catalogue = try await repository.tools(identity: caller.agent.clientID)
        guard let tool = catalogue.first(where: { $0.name == call.tool }) else {
            return try await record(
                caller, call, tool: nil, callID: callID, decision: "deny",
                reasons: ["tool \(call.tool) is not in the catalogue of \(caller.agent.clientID)"], policies: [], version: nil)
        }
        // Reserve the call in the budget and the rate window before deciding: parallel calls each take a slot
        // atomically, and a call that is not authorized gives its slot back.
        let used = try await reserveCall(taskID: caller.task.id, now: now)
        guard used <= budget else {
            try await releaseCall(taskID: caller.task.id)
            return try await record(
                caller, call, tool: tool, callID: callID, decision: "deny",
                reasons: ["the task's tool-call budget (\(budget)) is exhausted"], policies: [], version: nil)
        }
        guard let recent = await limiter.reserve(task: caller.task.id, now: now, limit: ratePerMinute) else {
            try await releaseCall(taskID: caller.task.id)
            return try await record(
                caller, call, tool: tool, callID: callID, decision: "deny",
                reasons: ["rate limit: at most \(ratePerMinute) tool calls per minute in a task"], policies: [], version: nil)
        }
        let outcome: Outcome
        do {
            outcome = try await decideReserved(
                caller, call, tool: tool, callID: callID, count: used - 1, recent: recent, source: source, now: now)
        } catch {
            await limiter.release(task: caller.task.id, at: now)
            try? await releaseCall(taskID: caller.task.id)
            throw error
        }
        if outcome.decision != "allow" {
            await limiter.release(task: caller.task.id, at: now)
            try await releaseCall(taskID: caller.task.id)
        }
        return outcome
    }

    /// Takes one call of the task's budget and returns the task's total with it.
    private func reserveCall(taskID: String, now: Date) async throws -> Int {
        guard let counter else { return try await repository.recordCall(taskID: taskID, now: now) }
        return try await counter.reserve(taskID: taskID, now: now) { try await repository.calls(taskID: taskID) }
    }

    /// Gives back a call `reserveCall` took that was not authorized.
    private func releaseCall(taskID: String) async throws {
        guard let counter else { return try await repository.releaseCall(taskID: taskID) }
        counter.release(taskID: taskID)
    }

    /// Decides a call whose budget and rate slots are reserved (`count` calls before it, `recent` in the last minute).
    private func decideReserved(
        _ caller: Caller, _ call: CallRequest, tool: CatalogueTool, callID: String, count: Int, recent: Int, source: String?,
        now: Date
    ) async throws -> Outcome {
        var approved = false
        if let approvalID = call.approvalID {
            guard let approval = try await repository.approval(id: approvalID),
                approval.authorizes(
                    taskID: caller.task.id, agent: caller.agent.clientID, tool: tool.name, server: call.server,
                    argumentsDigest: call.argumentsDigest, at: now)
            else {
                return try await record(
                    caller, call, tool: tool, callID: callID, decision: "deny",
                    reasons: [
                        "approval \(approvalID.prefix(64)) does not approve this call (pending, denied, used, expired, or another call)"
                    ],
                    policies: [], version: nil)
            }
            approved = true
        }
        let decision = authorizer.decide(
            ToolCallAuthorizer.Call(
                agent: caller.agent, task: caller.task, tool: tool, server: call.server, target: call.resource ?? "",
                argumentsDigest: call.argumentsDigest, callCount: count, callsLastMinute: recent, approved: approved,
                chain: caller.chain, delegationDepth: max(0, caller.chain.count - 1), sourceAddress: source, time: now))
        if decision.allowed {
            if let approvalID = call.approvalID, !(try await repository.consume(id: approvalID, now: now)) {
                return try await record(
                    caller, call, tool: tool, callID: callID, decision: "deny", reasons: ["approval already used"],
                    policies: decision.policies, version: decision.policySetVersion)
            }
            // Counted in memory: the task's total is stored with this record, in its transaction.
            let total = counter.map { _ in ToolCallCount(taskID: caller.task.id, calls: count + 1, at: now) }
            let outcome = try await record(
                caller, call, tool: tool, callID: callID, decision: "allow", reasons: [], policies: decision.policies,
                version: decision.policySetVersion, input: decision.input, risk: decision.risk, callCount: total)
            return outcome
        }
        guard decision.approvalRequired else {
            return try await record(
                caller, call, tool: tool, callID: callID, decision: "deny", reasons: decision.reasons,
                policies: decision.policies, version: decision.policySetVersion, input: decision.input, risk: decision.risk)
        }
        let approval: ToolApproval
        if let pending = try await repository.pendingApproval(
            taskID: caller.task.id, agent: caller.agent.clientID, tool: tool.name, server: call.server,
            argumentsDigest: call.argumentsDigest, now: now)
        {
            approval = pending
        } else {
            approval = ToolApproval(
                id: ToolApproval.newID(), taskID: caller.task.id, agent: caller.agent.clientID, tool: tool.name,
                argumentsDigest: call.argumentsDigest, resource: call.resource, chain: caller.chain, state: .pending,
                requestedAt: now, expiresAt: now.addingTimeInterval(approvalTTL), server: call.server)
            try await repository.createApproval(approval)
        }
        return try await record(
            caller, call, tool: tool, callID: callID, decision: "approval_required",
            reasons: ["a human must approve this call of \(tool.name)"] + decision.reasons, policies: decision.policies,
            version: decision.policySetVersion, input: decision.input, risk: decision.risk, approval: approval)
    }

    /// Writes the decision's durable audit record, then returns the answer.
    private func record(
        _ caller: Caller, _ call: CallRequest, tool: CatalogueTool?, callID: String, decision: String, reasons: [String],
        policies: [String], version: String?, input: String? = nil, risk: RiskAssessment? = nil, approval: ToolApproval? = nil,
        callCount: ToolCallCount? = nil
    ) async throws -> Outcome {
        var details: [String: AuditValue] = [
            "tool": .string(String(call.tool.prefix(128))), "call_id": .string(callID), "decision": .string(decision),
            "arguments_digest": .string(call.argumentsDigest), "chain": .strings(caller.chain), "policies": .strings(policies),
            "token_jti": .string(caller.tokenID),
        ]
        if let tool { details["risk"] = .string(tool.risk.rawValue) }
        if let version { details["policy_version"] = .string(version) }
        if let input { details["decision_input"] = .string(input) }
        // The tool's own risk is `risk`; the agent's is `agent_risk`.
        if let risk { details.merge(risk.auditDetails(levelKey: "agent_risk")) { current, _ in current } }
        if let resource = call.resource { details["target"] = .string(String(resource.prefix(512))) }
        if let server = call.server { details["server"] = .string(String(server.prefix(128))) }
        if let id = approval?.id ?? call.approvalID { details["approval_id"] = .string(String(id.prefix(64))) }
        try await audit.append(
            AuditEvent(
                type: decision == "approval_required"
                    ? AuditEventType.toolCallApprovalRequired
                    : (decision == "allow" ? AuditEventType.toolCallAllowed : AuditEventType.toolCallDenied),
                outcome: decision == "allow" ? .success : .denied, actor: caller.agent.clientID,
                subject: caller.agent.clientID, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "),
                task: caller.task.id, details: details, callCount: callCount))
        return Outcome(
            decision: decision, reasons: reasons, policies: policies, taskID: caller.task.id, callID: callID,
            approvalID: approval?.id, approvalURL: approval.map { issuer + "/v1/approvals/" + $0.id })
    }

    /// SHA-256 (hex) of the canonical JSON of the call's arguments: sorted keys, no whitespace.
    static func digest(of arguments: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(arguments)) ?? Data()
        return Hex.encode(SHA256.hash(data: data))
    }

    /// Approves or denies a pending approval (a human's decision, audited).
    func decide(_ id: String, approve: Bool, reason: String?, actor: String) async throws -> ToolApproval {
        guard id.utf8.count <= 64, try await repository.approval(id: id) != nil else {
            throw ProblemDetails.notFound("no approval \(id.prefix(64))")
        }
        let decided: ToolApproval
        do {
            decided = try await repository.decide(
                id: id, state: approve ? .approved : .denied, by: actor, reason: reason.map { String($0.prefix(512)) },
                now: clock.now())
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        try await audit.append(
            AuditEvent(
                type: approve ? AuditEventType.toolApprovalApproved : AuditEventType.toolApprovalDenied, outcome: .success,
                actor: actor,
                subject: decided.agent, reason: reason.map { String($0.prefix(512)) }, task: decided.taskID,
                details: [
                    "approval_id": .string(decided.id), "tool": .string(decided.tool),
                    "arguments_digest": .string(decided.argumentsDigest), "chain": .strings(decided.chain),
                ]))
        return decided
    }
}
