import Foundation
import MCP
import Synchronization

@testable import TesseraMCP

/// A real SDK MCP server on an in-memory transport, recording the calls it executes (unit tests only).
final class InMemoryUpstream: Sendable {
    let connection: UpstreamConnection
    private let calls: Mutex<[String]>

    /// The names of the tools the server ran, in order.
    var executed: [String] { calls.withLock { $0 } }

    private init(connection: UpstreamConnection) {
        self.connection = connection
        self.calls = Mutex([])
    }

    /// An upstream named `name` offering `tools`; each call answers "<tool> ran".
    static func start(name: String, tools: [String]) async throws -> InMemoryUpstream {
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        let server = Server(name: name, version: "1", capabilities: .init(tools: .init()))
        let holder = Mutex<InMemoryUpstream?>(nil)
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: tools.map { Tool(name: $0, description: "\($0) tool", inputSchema: ["type": "object"]) })
        }
        await server.withMethodHandler(CallTool.self) { params in
            holder.withLock { $0?.calls.withLock { $0.append(params.name) } }
            return CallTool.Result(content: [.text(text: "\(params.name) ran", annotations: nil, _meta: nil)])
        }
        try await server.start(transport: serverSide)
        let upstream = InMemoryUpstream(connection: try await UpstreamConnection.connect(name: name, transport: clientSide))
        holder.withLock { $0 = upstream }
        return upstream
    }
}
