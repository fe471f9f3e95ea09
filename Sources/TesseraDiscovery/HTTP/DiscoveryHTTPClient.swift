import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Resumes a continuation once, whichever of several tasks gets there first.
final class ResumeOnce<Value: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Value, any Error>?, done: Bool)>((nil, false))

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        let resumeNow = state.withLock { state -> Bool in
            if state.done { return true }
            state.continuation = continuation
            return false
        }
        if resumeNow { continuation.resume(throwing: CancellationError()) }
    }

    func resume(with result: Result<Value, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}

/// The HTTP client connectors use to read a source's API. It only talks to the address the operator configured
/// (connectors build every URL from that base), follows no redirects, bounds every request by a deadline and
/// stops reading a body beyond `maximumSize`.
public final class DiscoveryHTTPClient: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: Data

        public func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    let client: HTTPClient
    public let timeout: TimeAmount
    public let maximumSize: Int
    let source: String

    /// - Parameters:
    ///   - source: the source name used in error messages.
    ///   - timeout: the deadline for each request (connect, send and whole response).
    ///   - maximumSize: the largest response body read, in bytes.
    public init(source: String, timeout: TimeAmount = .seconds(30), maximumSize: Int = 16 << 20) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: timeout)
        configuration.decompression = .disabled
        // Connectors read with up to 16 requests in flight; the default pool allows 8 connections per host.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
        self.maximumSize = maximumSize
        self.source = source
    }

    /// Sends one request; transport failures become ``DiscoveryError/Code/unreachable`` naming the host.
    public func send(
        method: HTTPMethod, url: String, headers: [(String, String)] = [], body: Data? = nil
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let host = URL(string: url)?.host ?? "the source"
        let (client, timeout, maximumSize, source) = (self.client, self.timeout, self.maximumSize, self.source)
        let prepared = request
        do {
            // One deadline for the whole exchange: headers and every byte of the body (a source that trickles its
            // answer a byte at a time must not hold a run, or a scheduled loop, beyond it).
            let exchange = Task<Response, any Error> {
                let response = try await client.execute(prepared, timeout: timeout)
                var collected = try await response.body.collect(upTo: maximumSize)
                let bytes = collected.readBytes(length: collected.readableBytes) ?? []
                return Response(
                    status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(bytes))
            }
            // Not a task group: a group would wait for a cancelled exchange to wind down; this returns at the deadline.
            let finished = ResumeOnce<Response>()
            return try await withCheckedThrowingContinuation { continuation in
                finished.set(continuation)
                Task {
                    do { finished.resume(with: .success(try await exchange.value)) } catch {
                        finished.resume(with: .failure(error))
                    }
                }
                Task {
                    try? await Task.sleep(nanoseconds: UInt64(max(0, timeout.nanoseconds)))
                    exchange.cancel()
                    finished.resume(
                        with: .failure(
                            DiscoveryError(
                                .unreachable, source: source,
                                "\(host) did not answer within \(timeout.nanoseconds / 1_000_000_000) s (headers and body)")))
                }
            }
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw DiscoveryError(.malformed, source: source, "\(host) answered more than \(maximumSize) bytes")
        } catch let error as DiscoveryError {
            throw error
        } catch {
            throw DiscoveryError(.unreachable, source: source, "cannot reach \(host): \(Self.describe(error))")
        }
    }

    /// Closes the connection pool; call once when discovery is done.
    public func shutdown() async {
        try? await client.shutdown()
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .readTimeout, .deadlineExceeded: return "no answer before the deadline"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
