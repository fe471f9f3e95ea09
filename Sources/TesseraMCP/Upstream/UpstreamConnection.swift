import Foundation
import MCP
import Synchronization

/// An initialized MCP client session with one upstream server (spawned over stdio, or over Streamable HTTP).
public final class UpstreamConnection: Sendable {
    public let name: String
    private let client: Client
    private let process: UpstreamProcess?
    private let ended = Mutex(false)

    private init(name: String, client: Client, process: UpstreamProcess?) {
        self.name = name
        self.client = client
        self.process = process
    }

    /// Starts or reaches the upstream `spec` names and completes the MCP handshake within `timeout`.
    public static func connect(_ spec: UpstreamSpec, timeout: Duration = .seconds(20)) async throws -> UpstreamConnection {
        switch spec.endpoint {
        case .http(let url):
            let transport = StreamableHTTPClientTransport(endpoint: url, label: "upstream '\(spec.name)'")
            return try await connect(name: spec.name, transport: transport, timeout: timeout)
        case .stdio(let executable, let arguments):
            let client = Client(name: "tessera-mcp-gateway", version: MCPGateway.version)
            let box = Mutex<UpstreamConnection?>(nil)
            let process = try UpstreamProcess(name: spec.name, executable: executable, arguments: arguments) {
                // The server's stdout closed: it exited. Fail whatever waits for it instead of hanging.
                let connection = box.withLock { $0 }
                connection?.ended.withLock { $0 = true }
                Task { await client.disconnect() }
            }
            let connection = UpstreamConnection(name: spec.name, client: client, process: process)
            box.withLock { $0 = connection }
            do {
                try await connection.handshake(transport: process.transport, timeout: timeout)
            } catch {
                await process.stop()
                throw error
            }
            return connection
        }
    }

    /// Connects over an existing transport (HTTP, or in-memory in tests).
    public static func connect(name: String, transport: any Transport, timeout: Duration = .seconds(20)) async throws
        -> UpstreamConnection
    {
        let connection = UpstreamConnection(
            name: name, client: Client(name: "tessera-mcp-gateway", version: MCPGateway.version), process: nil)
        try await connection.handshake(transport: transport, timeout: timeout)
        return connection
    }

    private func handshake(transport: any Transport, timeout: Duration) async throws {
        let client = self.client
        let name = self.name
        let process = self.process
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await client.connect(transport: transport)
                } catch {
                    if let status = await process?.awaitExit(within: .milliseconds(500)) {
                        throw MCPGatewayError(
                            .upstreamUnavailable,
                            "upstream '\(name)' exited (exit status \(status)) before completing the MCP handshake")
                    }
                    throw MCPGatewayError(
                        .upstreamUnavailable, "upstream '\(name)' did not complete the MCP handshake: \(Self.text(error))")
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else {
                await client.disconnect()
                throw MCPGatewayError(
                    .upstreamUnavailable, "upstream '\(name)' did not answer the MCP handshake within \(timeout)")
            }
        }
    }

    /// Every tool the upstream offers (all pages).
    public func listTools() async throws -> [Tool] {
        try checkAlive()
        var tools: [Tool] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await mapped { try await self.client.listTools(cursor: cursor) }
            tools += page.tools
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 100
        return tools
    }

    /// Calls `tool` upstream and returns its result as the upstream gave it.
    public func callTool(_ tool: String, arguments: [String: Value]?, meta: Metadata? = nil) async throws -> CallTool.Result {
        try checkAlive()
        return try await mapped {
            try await self.client.send(CallTool.request(.init(name: tool, arguments: arguments, meta: meta))).value
        }
    }

    /// Ends the session; a spawned server is asked to exit (stdin closed), then terminated.
    public func close() async {
        ended.withLock { $0 = true }
        await client.disconnect()
        await process?.stop()
    }

    /// The spawned server's process id, for stdio upstreams.
    public var processID: Int32? { process?.pid }

    private func checkAlive() throws {
        if ended.withLock({ $0 }) {
            let status = process?.exitStatus.map { " (exit status \($0))" } ?? ""
            throw MCPGatewayError(.upstreamUnavailable, "upstream '\(name)' has exited\(status)")
        }
    }

    /// Runs `body`; transport failures become ``MCPGatewayError``, the upstream's own MCP errors pass through.
    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as MCPError {
            switch error {
            case .connectionClosed, .transportError:
                try checkAlive()
                throw MCPGatewayError(.upstreamUnavailable, "upstream '\(name)': \(Self.text(error))")
            default:
                // "Client disconnected" after the process exited is the gateway's doing, not the upstream's answer.
                try checkAlive()
                throw error
            }
        }
    }

    static func text(_ error: any Error) -> String {
        if let error = error as? MCPError { return error.errorDescription ?? "\(error)" }
        if let error = error as? MCPGatewayError { return error.reason }
        return "\(error)"
    }
}
