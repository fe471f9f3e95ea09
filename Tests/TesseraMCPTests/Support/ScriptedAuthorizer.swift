import Foundation
import Synchronization
import TesseraCore

@testable import TesseraMCP

/// A ``ToolAuthorizer`` that answers from a script and records what it was asked (unit tests only).
final class ScriptedAuthorizer: ToolAuthorizer {
    struct State {
        var catalogue = ToolCatalogue(taskID: "task_1", tools: [])
        var decisions: [ToolCallDecision] = []
        var approvals: [ApprovalStatus] = []
        var failure: MCPGatewayError?
        var asked: [ToolCallRequest] = []
        var polls = 0
    }

    let state = Mutex(State())

    init(tools: [CatalogueTool] = [], decisions: [ToolCallDecision] = [], approvals: [ApprovalStatus] = []) {
        state.withLock {
            $0.catalogue = ToolCatalogue(taskID: "task_1", tools: tools)
            $0.decisions = decisions
            $0.approvals = approvals
        }
    }

    func fail(with error: MCPGatewayError) { state.withLock { $0.failure = error } }
    var asked: [ToolCallRequest] { state.withLock { $0.asked } }
    var polls: Int { state.withLock { $0.polls } }

    func catalogue(token: String) async throws -> ToolCatalogue {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            return state.catalogue
        }
    }

    func authorize(_ request: ToolCallRequest, token: String) async throws -> ToolCallDecision {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            state.asked.append(request)
            guard !state.decisions.isEmpty else { return ToolCallDecision(decision: .deny, reasons: ["script ran out"]) }
            return state.decisions.removeFirst()
        }
    }

    func approval(id: String, token: String) async throws -> ApprovalStatus {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            state.polls += 1
            guard state.approvals.count > 1 else { return state.approvals.first ?? ApprovalStatus(id: id, state: "pending") }
            return state.approvals.removeFirst()
        }
    }
}
