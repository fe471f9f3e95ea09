import Foundation
import Logging
import MCP
import ServiceLifecycle
import TesseraTestSupport

@testable import TesseraMCP

/// Shared pieces of the gateway's end-to-end tests.
enum GatewayFixtures {
    /// The catalogue of the test agent: every tool of `tessera-test-mcp-server`; `delete_records` is high risk (a
    /// human approves each call).
    static var catalogue: [[String: Any]] {
        [
            ["name": "echo", "description": "Echo the text back", "risk": "low"],
            ["name": "add", "description": "Add two numbers", "risk": "low"],
            ["name": "read_invoice", "description": "Read one invoice", "risk": "medium"],
            ["name": "delete_records", "description": "Delete every record of a table", "risk": "high"],
            ["name": "send_email", "description": "Send an e-mail", "risk": "medium"],
        ]
    }
    /// The task allows all of them but `send_email`.
    static let taskTools = ["echo", "add", "read_invoice", "delete_records"]

    /// `tessera-test-mcp-server`, built next to the test bundle.
    static var testServerPath: String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return folder.appendingPathComponent("tessera-test-mcp-server").path
    }

    static func temporaryFile(_ name: String) -> String {
        NSTemporaryDirectory() + "tessera-mcp-\(UUID().uuidString)-\(name)"
    }

    /// The lines the test server wrote: one per call it executed.
    static func executed(_ log: String) -> [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The text of a tool result's first content item.
    static func text(_ content: [Tool.Content]) -> String {
        guard case .text(let text, _, _)? = content.first else { return "" }
        return text
    }

    /// Runs an HTTP gateway listener on a free port until the test ends; returns the port and a graceful stop.
    static func listen(_ gateway: MCPGateway) async throws -> (port: Int, stop: @Sendable () async -> Void) {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let listener = GatewayHTTPListener(
            host: "127.0.0.1", port: 0, path: "/mcp", gateway: gateway,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let stop = try ServerScope.serve(
            "gateway listener",
            ClosureService {
                defer { continuation.finish() }  // a listener that fails to start ends the wait instead of hanging it
                try await listener.run { continuation.yield($0) }
            })
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw MCPGatewayError(.upstreamUnavailable, "listener did not start") }
        return (port, stop)
    }

    /// Waits (up to 20 s) for `condition`.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        try await TesseraTestSupport.eventually(within: .seconds(20), condition)
    }
}

extension GatewayFixtures {
    /// Starts `tessera-test-mcp-server --http 0` and returns the process and its MCP endpoint.
    static func startHTTPTestServer(log: String) throws -> (process: Process, endpoint: URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: testServerPath)
        process.arguments = ["--http", "0", "--log", log]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw MCPGatewayError(.upstreamUnavailable, "the HTTP test server did not start") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: "\n").first?.split(separator: " ").last.flatMap({ Int($0) }) else {
            throw MCPGatewayError(.upstreamUnavailable, "the HTTP test server said '\(text)'")
        }
        return (process, URL(string: "http://127.0.0.1:\(port)/mcp")!)
    }
}

/// Two pipes joining an in-process stdio gateway and an agent.
struct StdioLink {
    let agentToGateway = Pipe()
    let gatewayToAgent = Pipe()

    var gatewayInput: Int32 { agentToGateway.fileHandleForReading.fileDescriptor }
    var gatewayOutput: Int32 { gatewayToAgent.fileHandleForWriting.fileDescriptor }

    func agentTransport() -> PipeTransport {
        PipeTransport(
            input: gatewayToAgent.fileHandleForReading.fileDescriptor, output: agentToGateway.fileHandleForWriting.fileDescriptor,
            label: "the gateway")
    }

    /// The agent hangs up: the gateway sees the end of its input.
    func closeAgentSide() { try? agentToGateway.fileHandleForWriting.close() }

    /// The gateway's output ends too, so the agent's reader stops.
    func closeGatewaySide() { try? gatewayToAgent.fileHandleForWriting.close() }
}
