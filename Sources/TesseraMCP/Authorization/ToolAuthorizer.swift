/// Asks Tessera what an agent may do. The production implementation is ``TesseraAuthorizationClient``; every method
/// throws ``MCPGatewayError`` (`unauthorized`, `forbidden`, `serverUnavailable`).
public protocol ToolAuthorizer: Sendable {
    /// The tools the agent holding `token` may use in its task.
    func catalogue(token: String) async throws -> ToolCatalogue
    /// Tessera's decision on one call. Never cached: a revoked task must refuse the very next call.
    func authorize(_ request: ToolCallRequest, token: String) async throws -> ToolCallDecision
    /// The state of an approval the agent is waiting for.
    func approval(id: String, token: String) async throws -> ApprovalStatus
}
