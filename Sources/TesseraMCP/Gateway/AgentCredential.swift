import MCP

/// Where the agent's Tessera access token comes from.
public enum AgentCredential: Sendable {
    /// One token for the whole session: the stdio gateway reads it from `TESSERA_AGENT_TOKEN`.
    case fixed(String)
    /// Each HTTP request's `Authorization: Bearer` header (the HTTP gateway).
    case httpBearer

    /// The token for the request being handled now.
    func token() throws(MCPGatewayError) -> String {
        switch self {
        case .fixed(let token):
            return token
        case .httpBearer:
            guard let header = Server.currentHandlerContext?.httpContext?.header("Authorization"),
                let token = Self.bearer(header)
            else {
                throw MCPGatewayError(.missingToken, "present a Tessera access token as 'Authorization: Bearer <token>'")
            }
            return token
        }
    }

    /// The token of an `Authorization: Bearer <token>` header value, or nil.
    public static func bearer(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
