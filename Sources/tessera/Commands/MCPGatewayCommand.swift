import ArgumentParser
import Foundation
import Logging
import TesseraMCP

struct MCPGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp-gateway",
        abstract: "Sit between an AI agent and MCP servers: list only the task's tools, ask Tessera before every call.",
        discussion: """
            Upstreams: --upstream 'NAME=stdio:/path/to/server arg...' (spawned, talked to over its stdin/stdout; quote the
            value, it is split like a shell would) or --upstream NAME=http://host:port/mcp (Streamable HTTP). With
            several upstreams, tools are named NAME__tool.
            The agent's Tessera access token (task-scoped): over stdio in TESSERA_AGENT_TOKEN; over HTTP in each
            request's 'Authorization: Bearer' header.
            Example: TESSERA_AGENT_TOKEN=$TOKEN tessera mcp-gateway --server http://127.0.0.1:8443 \\
              --upstream 'files=stdio:/usr/local/bin/files-mcp --root /srv/data'
            See docs/mcp-gateway.md.
            """)

    @Option(help: "The Tessera server (env TESSERA_ADDR; default http://127.0.0.1:8443).")
    var server: String?

    @Option(name: .customLong("upstream"), help: "NAME=stdio:COMMAND [ARGS] or NAME=http(s)://HOST:PORT/PATH (repeatable).")
    var upstreams: [String] = []

    @Option(help: "stdio, or http://HOST:PORT[/PATH] (default path /mcp).")
    var listen: String = "stdio"

    @Option(name: .customLong("approval-timeout"), help: "Seconds a call waits for a human's approval (1-3600).")
    var approvalTimeout: Int = 120

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (to stderr).")
    var logLevel: String = "info"

    func run() async throws {
        var configured = Logger(label: "tessera.mcp-gateway", factory: { StreamLogHandler.standardError(label: $0) })
        configured.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let logger = configured
        let environment = ProcessInfo.processInfo.environment
        let specs: [UpstreamSpec]
        let listenSpec: ListenSpec
        let base: URL
        do throws(MCPGatewayError) {
            guard !upstreams.isEmpty else {
                throw MCPGatewayError(
                    .invalidConfiguration, "give at least one --upstream NAME=stdio:COMMAND or NAME=http://HOST:PORT/mcp")
            }
            specs = try upstreams.map { text throws(MCPGatewayError) in try UpstreamSpec.parse(text) }
            let names = specs.map(\.name)
            if Set(names).count != names.count {
                throw MCPGatewayError(.invalidConfiguration, "upstream names must be unique: \(names.joined(separator: ", "))")
            }
            guard (1...3600).contains(approvalTimeout) else {
                throw MCPGatewayError(.invalidConfiguration, "--approval-timeout must be 1-3600 seconds")
            }
            listenSpec = try ListenSpec.parse(listen)
            base = try TesseraAuthorizationClient.baseURL(server ?? environment["TESSERA_ADDR"] ?? "http://127.0.0.1:8443")
        } catch {
            throw CommandFailure(message: error.reason)
        }
        var stdioToken: String?
        if listenSpec == .stdio {
            stdioToken = environment["TESSERA_AGENT_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let token = stdioToken, !token.isEmpty else {
                throw CommandFailure(
                    message: "the stdio gateway needs the agent's Tessera access token in TESSERA_AGENT_TOKEN")
            }
        }

        var connections: [UpstreamConnection] = []
        for spec in specs {
            do {
                connections.append(try await UpstreamConnection.connect(spec))
                logger.info("upstream connected", metadata: ["upstream": "\(spec.name)"])
            } catch {
                for connection in connections { await connection.close() }
                throw CommandFailure(message: (error as? MCPGatewayError)?.reason ?? "upstream '\(spec.name)': \(error)")
            }
        }
        let gateway = MCPGateway(
            upstreams: connections, authorizer: TesseraAuthorizationClient(base: base),
            approvalTimeout: TimeInterval(approvalTimeout), logger: logger)
        switch listenSpec {
        case .stdio:
            logger.info("serving one agent on stdio", metadata: ["server": "\(base.absoluteString)"])
            try await GatewayStdioListener(gateway: gateway, token: stdioToken ?? "").run()
        case .http(let host, let port, let path):
            try await GatewayHTTPListener(host: host, port: port, path: path, gateway: gateway, logger: logger).run { bound in
                logger.notice(
                    "listening", metadata: ["url": "http://\(host):\(bound)\(path)", "server": "\(base.absoluteString)"])
            }
        }
        for connection in connections { await connection.close() }
    }
}
