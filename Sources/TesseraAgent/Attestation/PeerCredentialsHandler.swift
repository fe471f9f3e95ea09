import Foundation
import NIOCore
import NIOHTTP2

#if canImport(Glibc)
    import Glibc
#endif

/// The kernel's view of the process at the other end of a Unix socket (`struct ucred`), recorded by the
/// kernel when that process called `connect(2)`.
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Stamps every inbound HTTP/2 request with the id of its connection's `AcceptedPeer`, in the `x-tessera-peer`
/// header, after removing any value a client sent under that name. The Workload API service looks the peer
/// up in the `PeerRegistry`: the only way to tie a gRPC call to its Unix socket connection with grpc-swift's
/// NIO transport.
final class PeerCredentialsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    static let header = "x-tessera-peer"

    private let value: String

    init(peer id: UInt64) {
        value = String(id)
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
    static func parse(_ text: String) -> UInt64? {
        guard let id = UInt64(text), id > 0 else { return nil }
        return id
    }
}

extension PeerRegistry {
    /// The `onAcceptTCPConnection` callback: right after `accept(2)`, before any byte is read, reads
    /// `SO_PEERCRED`, takes a pidfd (`SO_PEERPIDFD`, else `pidfd_open` on that pid) and records the peer.
    /// Fails the connection (fail closed) when the credentials cannot be read.
    @Sendable func acceptConnection(_ channel: any Channel) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(AgentError(.attestationFailed, "not a socket connection"))
        }
        let acceptedAt = Date()
        #if os(Linux)
            let credentialsOption = NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        #else
            let credentialsOption = NIOBSDSocket.Option(rawValue: 0x1)  // LOCAL_PEERCRED; Linux is the supported platform.
        #endif
        let pidfdOption = NIOBSDSocket.Option(rawValue: ProcessHandle.peerPidfdOption)
        return provider.unsafeGetSocketOption(level: .socket, name: credentialsOption).flatMap {
            (credentials: PeerCredentials) -> EventLoopFuture<Void> in
            provider.unsafeGetSocketOption(level: .socket, name: pidfdOption).map { (descriptor: Int32) -> ProcessHandle? in
                descriptor >= 0 ? ProcessHandle(pid: credentials.pid, descriptor: descriptor, source: "so_peerpidfd") : nil
            }.flatMapErrorThrowing { _ in
                // Kernel before 6.5: open one on the SO_PEERCRED pid, at once.
                ProcessHandle.open(pid: credentials.pid)
            }.map { handle in
                let id = self.register(
                    credentials, handle: handle ?? ProcessHandle.open(pid: credentials.pid), acceptedAt: acceptedAt,
                    connection: ObjectIdentifier(channel))
                channel.closeFuture.whenComplete { _ in self.remove(id, connection: ObjectIdentifier(channel)) }
            }
        }
    }

    /// The `onAcceptHTTP2Stream` callback: installs the handler that stamps the stream's requests with its
    /// connection's peer id, first in the stream's pipeline. Fails the stream when the connection is unknown.
    @Sendable func acceptStream(_ stream: any Channel) -> EventLoopFuture<Void> {
        guard let parent = stream.parent, let id = peerID(connection: ObjectIdentifier(parent)) else {
            return stream.eventLoop.makeFailedFuture(AgentError(.attestationFailed, "stream on an unknown connection"))
        }
        return stream.eventLoop.makeCompletedFuture {
            try stream.pipeline.syncOperations.addHandler(PeerCredentialsHandler(peer: id), position: .first)
        }
    }
}
