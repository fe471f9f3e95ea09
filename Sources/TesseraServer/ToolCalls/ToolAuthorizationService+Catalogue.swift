import TesseraAudit
import TesseraCore
import TesseraStore

extension ToolAuthorizationService {
    /// Replaces an AI agent's tool catalogue, audited as `agent.tools.set` with the approval-gated tools named.
    func setTools(_ tools: [CatalogueTool], identity: String, actor: AdminPrincipal) async throws {
        try await repository.setTools(tools, identity: identity)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.agentToolsSet, outcome: .success, actor: actor.auditActor, subject: identity,
                details: [
                    "tools": .strings(tools.map(\.name)),
                    "approval_required": .strings(tools.filter(\.requiresApproval).map(\.name)),
                ]))
    }

    /// An AI agent's tool catalogue.
    func tools(identity: String) async throws -> [CatalogueTool] {
        try await repository.tools(identity: identity)
    }

    /// One approval request, if it exists.
    func approval(id: String) async throws -> ToolApproval? {
        try await repository.approval(id: id)
    }

    /// Approval requests (pending only, or all), newest first, at most 200.
    func approvals(pendingOnly: Bool) async throws -> [ToolApproval] {
        try await repository.approvals(pendingOnly: pendingOnly, now: clock.now(), limit: 200)
    }
}
