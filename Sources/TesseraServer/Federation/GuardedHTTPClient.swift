import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import TesseraCore
import TesseraCrypto
import X509

/// A minimal HTTP/1.1 client for requests to external parties that an attacker may influence (issuer URLs,
/// `jwks_uri` from a discovery document, bundle endpoints): it resolves the host once, checks the address
/// against a ``FederationNetworkPolicy`` and connects to **that** address (no second lookup to rebind), never
/// follows redirects, stops reading as soon as the body exceeds a byte cap, and gives up after a deadline
/// that covers resolution, connection, TLS and the whole response.
struct GuardedHTTPClient: Sendable {
    struct Response: Sendable {
        let status: Int
        let body: Data
    }

    let policy: FederationNetworkPolicy
    let timeout: Double
    let maximumSize: Int

    /// Performs one request. Errors carry details for the server log, never for a remote caller. With `peer`, the
    /// server is authenticated by its X.509-SVID instead of the Web PKI (the SPIFFE `https_spiffe` profile).
    func send(
        method: HTTPMethod, url text: String, headers: [(String, String)] = [], body: Data? = nil,
        peer: SPIFFEPeerAuthentication? = nil
    ) async throws(FetchError) -> Response {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let rawHost = url.host, !rawHost.isEmpty, url.user == nil, url.password == nil
        else { throw FetchError("not an http(s) URL with a host: \(text.prefix(200))") }
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let secure = scheme == "https"
        if peer != nil, !secure { throw FetchError("an https_spiffe endpoint must use https") }
        let port = url.port ?? (secure ? 443 : 80)
        guard (1...65_535).contains(port) else { throw FetchError("bad port in \(text.prefix(200))") }
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))

        let address = try await resolve(host: host, port: port)
        guard let ip = address.ipAddress.flatMap(IPAddress.init(parsing:)) else {
            throw FetchError("\(host.prefix(200)) resolved to an address that is not IP")
        }
        guard policy.permits(ip) else {
            throw FetchError("\(host.prefix(200)) resolved to \(ip), a special-purpose address the network policy refuses")
        }

        // The path and query exactly as written (percent-escapes kept), never the fragment.
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? ""
        var target = path.isEmpty ? "/" : path
        if let query = components?.percentEncodedQuery { target += "?" + query }
        guard !target.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw FetchError("bad request target in \(text.prefix(200))")
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
        let defaultPort = secure ? 443 : 80
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (port == defaultPort ? "" : ":\(port)")
        head.headers.add(name: "Host", value: hostHeader)
        head.headers.add(name: "User-Agent", value: "tessera")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }

        let tls: NIOSSLContext?
        if secure {
            // An https_spiffe peer is authenticated by its SPIFFE ID (the callback), never by a host name.
            guard let context = try? (peer == nil ? Self.tlsContext : Self.spiffeTLSContext).get() else {
                throw FetchError("TLS is unavailable")
            }
            tls = context
        } else {
            tls = nil
        }
        let serverName = IPAddress(parsing: host) == nil ? host : nil
        let peer = peer
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: Response.self)
        let limit = maximumSize
        let requestBody = body
        let requestHead = head
        let remaining = max(deadline - NIODeadline.now(), .milliseconds(1))
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(remaining)
            .channelInitializer { channel in
                do {
                    if let tls, let peer {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(
                                context: tls, serverHostname: serverName,
                                customVerificationCallback: { presented, promise in
                                    promise.succeed(peer.verify(presented) ? .certificateVerified : .failed)
                                }))
                    } else if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        BoundedExchange(head: requestHead, body: requestBody, limit: limit, promise: promise))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            promise.fail(error)
            throw FetchError("\(host.prefix(200)):\(port) could not be reached: \(error)")
        }
        let timer = loop.scheduleTask(deadline: deadline) {
            promise.fail(FetchError("no complete answer within \(timeout) s"))
            channel.close(promise: nil)
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as FetchError {
            throw FetchError("\(text.prefix(200)): \(error.description)")
        } catch {
            throw FetchError("\(text.prefix(200)): \(error)")
        }
    }

    /// One lookup; the caller connects to exactly the address returned.
    private func resolve(host: String, port: Int) async throws(FetchError) -> SocketAddress {
        if IPAddress(parsing: host) != nil {
            do {
                return try SocketAddress(ipAddress: host, port: port)
            } catch {
                throw FetchError("bad address \(host.prefix(200))")
            }
        }
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                try SocketAddress.makeAddressResolvingHost(host, port: port)
            }
        } catch {
            throw FetchError("\(host.prefix(200)) could not be resolved")
        }
    }

    /// The system trust roots, full certificate and host name verification.
    private static let tlsContext: Result<NIOSSLContext, any Error> = Result {
        try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration())
    }
    private static let spiffeTLSContext: Result<NIOSSLContext, any Error> = Result {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }
}

/// Writes the request when the connection is up and collects the answer, failing as soon as it would exceed
/// `limit` bytes (a declared `Content-Length` above the limit fails before any body is read).
private final class BoundedExchange: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let body: Data?
    private let limit: Int
    private let promise: EventLoopPromise<GuardedHTTPClient.Response>
    private var status = 0
    private var received = ByteBuffer()
    private var finished = false

    init(head: HTTPRequestHead, body: Data?, limit: Int, promise: EventLoopPromise<GuardedHTTPClient.Response>) {
        self.head = head
        self.body = body
        self.limit = limit
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = Int(response.status.code)
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > limit {
                fail(context, "declares \(declared) bytes, more than the \(limit)-byte limit")
            }
        case .body(var part):
            guard received.readableBytes + part.readableBytes <= limit else {
                fail(context, "sent more than the \(limit)-byte limit")
                return
            }
            received.writeBuffer(&part)
        case .end:
            finished = true
            promise.succeed(GuardedHTTPClient.Response(status: status, body: Data(received.readableBytesView)))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, "\(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context, "the connection closed before the answer was complete")
        context.fireChannelInactive()
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        guard !finished else { return }
        finished = true
        promise.fail(FetchError(reason))
        context.close(promise: nil)
    }
}

/// How an `https_spiffe` bundle endpoint proves who it is (SPIFFE Federation, §5.2): an X.509-SVID chain that leads
/// to `roots` (the bundle of the endpoint's own trust domain, as last known) and carries exactly `spiffeID`, valid at
/// `now`. Neither the Web PKI nor the host name plays a part.
struct SPIFFEPeerAuthentication: Sendable {
    let roots: [Certificate]
    let spiffeID: SPIFFEID
    let now: Date

    func verify(_ presented: [NIOSSLCertificate]) -> Bool {
        MutualTLSListener.verifiedID(presented, roots: roots, now: now) == spiffeID
    }
}
