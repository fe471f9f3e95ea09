import Foundation
import MCP

/// The MCP server the agent talks to: `tools/list` and `tools/call` answered by an ``MCPGateway``.
public enum GatewayServer {
    /// A new MCP server (not started) whose handlers use `gateway` with the agent's `credential`.
    public static func make(gateway: MCPGateway, credential: AgentCredential) async -> Server {
        let server = Server(
            name: "tessera-mcp-gateway", version: MCPGateway.version,
            instructions: "Tools are authorized per call by Tessera against your task; refusals say why.",
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            try await translated { ListTools.Result(tools: try await gateway.listTools(token: try credential.token())) }
        }
        await server.withMethodHandler(CallTool.self) { params in
            try await translated { try await gateway.callTool(params, token: try credential.token()) }
        }
        return server
    }

    /// Gateway errors become MCP errors whose message says what went wrong (never a token).
    static func translated<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as MCPGatewayError {
            switch error.code {
            case .unknownTool:
                throw MCPError.invalidParams(error.reason)
            case .missingToken, .unauthorized, .forbidden:
                throw MCPError.serverError(code: -32003, message: "Tessera: \(error.reason)")
            case .serverUnavailable:
                throw MCPError.internalError("Tessera server unavailable, nothing was forwarded: \(error.reason)")
            default:
                throw MCPError.internalError(error.reason)
            }
        }
    }
}
