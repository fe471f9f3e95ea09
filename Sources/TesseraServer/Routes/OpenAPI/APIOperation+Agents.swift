extension APIOperation {
    /// The `agents` operations.
    static let agents: [APIOperation] = [
        APIOperation("get", "/v1/identities/{id}/tools", "agents", "An AI agent's tool catalogue", .admin, nil, .object),
        APIOperation(
            "put", "/v1/identities/{id}/tools", "agents",
            "Replace an AI agent's tool catalogue",
            .admin, .object, .object),
        APIOperation("get", "/v1/authorize/tools", "agents", "Tools the agent may use in its task", .access, nil, .object),
        APIOperation(
            "post", "/v1/authorize/tool-call", "agents",
            "Decide one tool call",
            .access, .schema("ToolCall"), .schema("ToolCallDecision")),
        APIOperation(
            "get", "/v1/approvals/{id}", "agents",
            "State of a tool-call approval (agent of the task or admin)",
            .access, nil, .schema("Approval")),
        APIOperation("get", "/v1/approvals", "agents", "Approvals (pending by default)", .admin, nil, .object),
        APIOperation(
            "post", "/v1/approvals/{id}/{action}", "agents",
            "Approve or deny a tool call",
            .admin, .schema("Reason"), .schema("Approval")),
    ]
}
