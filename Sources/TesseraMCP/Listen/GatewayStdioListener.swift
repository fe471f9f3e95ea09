import Foundation
import MCP

/// Serves the gateway to one agent over the gateway's own stdin/stdout (MCP stdio framing). The agent's token is
/// fixed for the session (`TESSERA_AGENT_TOKEN`); the gateway exits when the agent closes its end.
public struct GatewayStdioListener: Sendable {
    let gateway: MCPGateway
    let token: String
    let input: Int32
    let output: Int32

    public init(gateway: MCPGateway, token: String, input: Int32 = 0, output: Int32 = 1) {
        self.gateway = gateway
        self.token = token
        self.input = input
        self.output = output
    }

    /// Serves until the agent's input ends.
    public func run() async throws {
        let server = await GatewayServer.make(gateway: gateway, credential: .fixed(token))
        try await server.start(transport: PipeTransport(input: input, output: output, label: "the agent"))
        await server.waitUntilCompleted()
        await server.stop()
    }
}
