import MCP

/// A tool call the gateway did not forward, as the tool result the agent receives (`isError: true`).
struct Refusal: Sendable {
    let text: String
    let data: [String: Value]

    /// Tessera decided `deny` (or an approval did not come through: `why`).
    init(decision: ToolCallDecision, tool: String, why: String?) {
        var text = "Tessera refused the call to '\(tool)'"
        if let why { text += ": \(why)" }
        text += "."
        if !decision.reasons.isEmpty { text += " Reasons: " + decision.reasons.joined(separator: "; ") + "." }
        if !decision.policies.isEmpty { text += " Policies: " + decision.policies.joined(separator: ", ") + "." }
        if let callID = decision.callID { text += " Call id: \(callID)." }
        if let url = decision.approvalURL, why != nil { text += " Approval: \(url)" }
        var data: [String: Value] = [
            "decision": .string(why == nil ? decision.decision.rawValue : "deny"),
            "reasons": .array(decision.reasons.map(Value.string) + (why.map { [Value.string($0)] } ?? [])),
            "policies": .array(decision.policies.map(Value.string)),
        ]
        if let taskID = decision.taskID { data["task_id"] = .string(taskID) }
        if let callID = decision.callID { data["call_id"] = .string(callID) }
        if let approvalID = decision.approvalID { data["approval_id"] = .string(approvalID) }
        self.text = text
        self.data = data
    }

    /// Tessera refused the token (401) or its task (403): a revoked task answers this way.
    init(error: MCPGatewayError, tool: String) {
        let why =
            error.code == .unauthorized
            ? "the agent's access token is not accepted (invalid, expired, or revoked with its task); Tessera says: \(error.reason)"
            : error.reason
        text = "Tessera refused the call to '\(tool)': \(why)."
        data = ["decision": .string("deny"), "reasons": .array([.string(error.reason)]), "status": .string(error.code.rawValue)]
    }

    var result: CallTool.Result {
        CallTool.Result(
            content: [.text(text: text, annotations: nil, _meta: nil)], isError: true,
            _meta: Metadata(additionalFields: ["tessera/decision": .object(data)]))
    }
}
