import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP client every end-to-end test uses: AsyncHTTPClient over SwiftNIO, with a deadline on every request.
///
/// FoundationNetworking's URLSession on Linux sometimes never completed a request in these tests (a lost wake-up:
/// no thread running, the test waiting forever). This client runs on NIO event loops like the server, and a request
/// that gets no answer fails its test after `timeout` naming the request, instead of hanging the run.
public enum HTTPTestClient {
    /// A response read whole.
    public struct Reply: Sendable {
        public let status: Int
        public let body: Data
        /// Header names lowercased; repeated fields joined with ", " (as URLSession did).
        public let headers: [String: String]
        /// Every value of each field, in order (for `set-cookie`).
        public let fields: [(name: String, value: String)]

        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The first value of `name` (case-insensitive).
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
        /// Every value of `name` (case-insensitive).
        public func values(_ name: String) -> [String] { fields.filter { $0.name == name.lowercased() }.map(\.value) }
    }

    /// Follows up to five redirects, like a browser.
    static let following = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .follow(max: 5, allowCycles: false)))
    /// Follows none: each hop is the test's to inspect.
    static let notFollowing = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// Sends one request and reads the whole response.
    public static func send(
        _ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:], followRedirects: Bool = true,
        timeout: Duration = .seconds(120)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let client = followRedirects ? following : notFollowing
        let seconds = Int64(timeout.components.seconds)
        do {
            let response = try await client.execute(request, timeout: .seconds(seconds))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            var joined: [String: String] = [:]
            var fields: [(String, String)] = []
            for (name, value) in response.headers {
                let lower = name.lowercased()
                fields.append((lower, value))
                joined[lower] = joined[lower].map { "\($0), \(value)" } ?? value
            }
            return Reply(status: Int(response.status.code), body: Data(bytes.readableBytesView), headers: joined, fields: fields)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw TestClientError("\(method) \(url) got no complete answer within \(seconds) s")
        }
    }

    /// Why a test request failed.
    public struct TestClientError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension HTTPTestClient {
    /// `URLSession.data(for:)`'s shape over this client, for tests written against URLRequest.
    public static func data(for request: URLRequest, followRedirects: Bool = true) async throws -> (Data, URLResponse) {
        guard let url = request.url else { throw TestClientError("a request without a URL") }
        var headers: [String: String] = [:]
        for (name, value) in request.allHTTPHeaderFields ?? [:] { headers[name] = value }
        let reply = try await send(
            request.httpMethod ?? "GET", url.absoluteString, body: request.httpBody, headers: headers,
            followRedirects: followRedirects)
        let response = HTTPURLResponse(url: url, statusCode: reply.status, httpVersion: "HTTP/1.1", headerFields: reply.headers)!
        return (reply.body, response)
    }

    /// `URLSession.data(from:)`'s shape over this client.
    public static func data(from url: URL) async throws -> (Data, URLResponse) {
        try await data(for: URLRequest(url: url))
    }
}
