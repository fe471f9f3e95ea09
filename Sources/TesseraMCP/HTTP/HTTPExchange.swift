import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request and its whole answer over AsyncHTTPClient's shared client. Not URLSession: on Linux its
/// cancellation handler runs `DispatchQueue.sync` under the task's status lock, which deadlocked a saturated
/// cooperative pool (docs/testing.md).
struct HTTPExchange: Sendable {
    /// The status, the headers (name lookup is case-insensitive) and the body of an answer.
    struct Answer: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: Data

        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// Answers larger than this are refused (a tool result or catalogue is far smaller).
    static let maximumBodySize = 16 * 1024 * 1024

    /// The shared client's settings, except that a server that refuses connections is reported after 5 s (the pool
    /// retries a failed connect until its connect timeout, 10 s by default, beyond the MCP handshake's budget).
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5))))

    static func send(
        _ method: HTTPMethod, _ url: URL, headers: [(String, String)], body: Data?, timeout: TimeInterval
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        let buffer = try await response.body.collect(upTo: maximumBodySize)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }
}
