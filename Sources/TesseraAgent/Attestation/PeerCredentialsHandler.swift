import Foundation
import NIOCore
import NIOHTTP2
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's view of the process at the other end of a Unix socket (`struct ucred`).
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Stamps every inbound HTTP/2 request with the connection's `SO_PEERCRED` credentials and the time the stream
/// opened, in the `x-tessera-peer` header, after removing any value a client sent under that name.
/// The Workload API service reads it back from the request metadata: the only way to tie a gRPC call to
/// its Unix socket peer with grpc-swift's NIO transport.
final class PeerCredentialsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    static let header = "x-tessera-peer"

    private let value: String

    init(_ credentials: PeerCredentials, openedAt: Date) {
        value = "\(credentials.pid),\(credentials.uid),\(credentials.gid),\(openedAt.timeIntervalSince1970)"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var payload = unwrapInboundIn(data)
        if case .headers(var headers) = payload {
            headers.headers.remove(name: Self.header)
            headers.headers.add(name: Self.header, value: value)
            payload = .headers(headers)
        }
        context.fireChannelRead(wrapInboundOut(payload))
    }

    /// Parses the header written above.
    static func parse(_ text: String) -> (PeerCredentials, Date)? {
        let parts = text.split(separator: ",")
        guard parts.count == 4, let pid = Int32(parts[0]), let uid = UInt32(parts[1]), let gid = UInt32(parts[2]),
            let opened = Double(parts[3]), pid > 0
        else { return nil }
        return (PeerCredentials(pid: pid, uid: uid, gid: gid), Date(timeIntervalSince1970: opened))
    }

    /// The `onAcceptHTTP2Stream` callback: reads `SO_PEERCRED` from the connection and installs the handler
    /// first in the stream's pipeline. Fails the stream (fail closed) when the credentials cannot be read.
    @Sendable static func install(on stream: any Channel) -> EventLoopFuture<Void> {
        guard let provider = stream.parent as? any SocketOptionProvider else {
            return stream.eventLoop.makeFailedFuture(AgentError(.attestationFailed, "not a socket connection"))
        }
        #if os(Linux)
        let option = NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        #else
        let option = NIOBSDSocket.Option(rawValue: 0x1)  // LOCAL_PEERCRED; Linux is the supported platform.
        #endif
        let opened = Date()
        return provider.unsafeGetSocketOption(level: .socket, name: option).flatMapThrowing { (credentials: PeerCredentials) in
            try stream.pipeline.syncOperations.addHandler(PeerCredentialsHandler(credentials, openedAt: opened), position: .first)
        }
    }
}
