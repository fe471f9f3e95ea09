import Foundation
import Hummingbird
import Logging
import MCP

/// Serves the gateway over Streamable HTTP: `POST <path>` with `Authorization: Bearer <Tessera access token>`.
///
/// Stateless mode (the SDK's `StatelessHTTPServerTransport`): every POST is answered with JSON, there are no
/// sessions to hijack, and each request is authorized with the token it carries. A request without a bearer token
/// is answered 401 with `WWW-Authenticate: Bearer` before it reaches MCP.
///
/// Each POST gets its own transport and MCP server: the SDK's stateless transport matches answers to requests by
/// JSON-RPC id, and two agents may well both send id 1 at the same time.
public struct GatewayHTTPListener: Sendable {
    public let host: String
    public let port: Int
    public let path: String
    let gateway: MCPGateway
    let logger: Logger

    public init(host: String, port: Int, path: String, gateway: MCPGateway, logger: Logger) {
        self.host = host
        self.port = port
        self.path = path
        self.gateway = gateway
        self.logger = logger
    }

    /// Serves until the task is cancelled (or SIGINT/SIGTERM); `onRunning` receives the bound port.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let gateway = self.gateway
        let router = Router()
        router.post(RouterPath(path)) { request, _ -> Response in
            guard let header = request.headers[.authorization], AgentCredential.bearer(header) != nil else {
                return HTTPBridge.error(
                    status: .unauthorized, code: -32003,
                    message: "present a Tessera access token as 'Authorization: Bearer <token>'",
                    headers: [.wwwAuthenticate: "Bearer"])
            }
            let message = try await HTTPBridge.request(request)
            let transport = StatelessHTTPServerTransport(
                validationPipeline: StandardValidationPipeline(validators: [
                    OriginValidator.localhost(), AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(),
                    ProtocolVersionValidator(),
                ]))
            let server = await GatewayServer.make(gateway: gateway, credential: .httpBearer)
            try await server.start(transport: transport)
            let answer = await transport.handleRequest(message)
            await server.stop()
            return HTTPBridge.response(answer)
        }
        for method in [HTTPRequest.Method.get, .delete, .put, .patch] {
            router.on(RouterPath(path), method: method) { _, _ -> Response in
                HTTPBridge.error(
                    status: .methodNotAllowed, code: -32600, message: "the gateway answers POST only (stateless Streamable HTTP)",
                    headers: [.allow: "POST"])
            }
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "tessera-mcp-gateway"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
        try await app.runService()
    }
}
