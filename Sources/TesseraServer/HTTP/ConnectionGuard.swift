import Foundation
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Counts the open connections of each source IP address across a server's listeners, refusing those beyond
/// `limit` (docs/threat-model.md): one address cannot hold every file descriptor of the server.
final class ConnectionLimiter: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Counts a connection from `source`; `false` (and not counted) when the source already holds `limit`.
    func admit(_ source: String) -> Bool {
        open.withLock { open in
            let current = open[source, default: 0]
            guard current < limit else { return false }
            open[source] = current + 1
            return true
        }
    }

    /// Forgets a connection admitted with `admit`.
    func release(_ source: String) {
        open.withLock { open in
            let remaining = open[source, default: 1] - 1
            open[source] = remaining > 0 ? remaining : nil
        }
    }

    /// Open connections of `source` (tests).
    func count(_ source: String) -> Int { open.withLock { $0[source, default: 0] } }
}

/// Per-connection guard in the HTTP pipeline (after request decoding): closes the connection when its source
/// is over the limit, and when a request's body is not complete `requestReadTimeout` after its head (a
/// slow-loris body). Silence before a head and between requests is Hummingbird's `idleTimeout`.
final class ConnectionGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let limiter: ConnectionLimiter
    private let requestReadTimeout: TimeAmount
    private var source: String?
    private var admitted = false
    private var deadline: Scheduled<Void>?

    init(limiter: ConnectionLimiter, requestReadTimeout: TimeAmount) {
        self.limiter = limiter
        self.requestReadTimeout = requestReadTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let source = PeerAddress.normalized(context.channel.remoteAddress?.ipAddress) ?? "unknown"
        self.source = source
        if limiter.admit(source) {
            admitted = true
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        releaseOnce()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        releaseOnce()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted else { return }
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: requestReadTimeout) { channel.close(promise: nil) }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func releaseOnce() {
        guard admitted, let source else { return }
        admitted = false
        limiter.release(source)
    }
}
