import Foundation
import Logging
import MCP

/// The client side of MCP's Streamable HTTP transport, for upstream servers that answer a POST with JSON or with
/// a server-sent-event stream.
///
/// The SDK's `HTTPClientTransport` hands an SSE body over unparsed on Linux (its streaming path needs Apple's
/// `URLSession.bytes`), so the gateway uses this one: each POST's body is read whole and every `data:` event in it
/// is delivered as one message. It keeps the `Mcp-Session-Id` the server assigns and sends the negotiated
/// `MCP-Protocol-Version`; it does not open the optional GET stream for server-initiated messages.
public actor StreamableHTTPClientTransport: Transport {
    public nonisolated let logger: Logger
    public let endpoint: URL
    private let timeout: TimeInterval
    private let label: String
    private var sessionID: String?
    private var protocolVersion: String?
    private var connected = false
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation

    /// - Parameters:
    ///   - endpoint: The server's MCP endpoint, e.g. `http://127.0.0.1:9000/mcp`.
    ///   - label: Names the server in errors.
    ///   - timeout: Seconds one POST may take (a tool call included).
    public init(endpoint: URL, label: String, timeout: TimeInterval = 300, logger: Logger? = nil) {
        self.endpoint = endpoint
        self.label = label
        self.timeout = timeout
        self.logger = logger ?? Logger(label: "tessera.mcp.http-client", factory: { _ in SwiftLogNoOpLogHandler() })
        (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    public func connect() async throws {
        connected = true
    }

    /// Ends the session on the server (DELETE, best effort) and finishes the message stream.
    public func disconnect() async {
        guard connected else { return }
        connected = false
        if let sessionID {
            _ = try? await HTTPExchange.send(
                .DELETE, endpoint, headers: [("Mcp-Session-Id", sessionID)], body: nil, timeout: min(timeout, 10))
        }
        continuation.finish()
    }

    public func send(_ data: Data) async throws {
        guard connected else { throw MCPError.connectionClosed }
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
        if let sessionID { headers.append(("Mcp-Session-Id", sessionID)) }
        if let protocolVersion { headers.append(("MCP-Protocol-Version", protocolVersion)) }
        let answer: HTTPExchange.Answer
        do {
            answer = try await HTTPExchange.send(.POST, endpoint, headers: headers, body: data, timeout: timeout)
        } catch {
            throw MCPGatewayError(.upstreamUnavailable, "cannot reach \(label) at \(endpoint.absoluteString): \(error)")
        }
        let body = answer.body
        if let assigned = answer.header("Mcp-Session-Id"), !assigned.isEmpty { sessionID = assigned }
        guard (200..<300).contains(answer.status) else {
            let text = String(decoding: body.prefix(300), as: UTF8.self)
            throw MCPGatewayError(.upstreamUnavailable, "\(label) answered HTTP \(answer.status): \(text)")
        }
        guard answer.status != 202, !body.isEmpty else { return }
        let contentType = answer.header("Content-Type")?.lowercased() ?? ""
        let messages = contentType.hasPrefix("text/event-stream") ? Self.events(in: body) : [body]
        for message in messages {
            noteProtocolVersion(message)
            continuation.yield(message)
        }
    }

    public func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    /// The `data` of every event in a complete SSE body (multi-line data joined with newlines; empty events skipped).
    static func events(in body: Data) -> [Data] {
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        var messages: [Data] = []
        var lines: [Substring] = []
        func flush() {
            if !lines.isEmpty {
                let joined = lines.joined(separator: "\n")
                if !joined.isEmpty { messages.append(Data(joined.utf8)) }
            }
            lines = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                flush()
            } else if line.hasPrefix("data:") {
                var value = line.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                lines.append(value)
            }
        }
        flush()
        return messages
    }

    /// Remembers the protocol version an `initialize` result negotiated, for the `MCP-Protocol-Version` header.
    private func noteProtocolVersion(_ message: Data) {
        guard protocolVersion == nil,
            let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any],
            let result = object["result"] as? [String: Any], result["serverInfo"] != nil,
            let version = result["protocolVersion"] as? String
        else { return }
        protocolVersion = version
    }
}
