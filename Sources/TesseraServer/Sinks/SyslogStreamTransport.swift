import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Syslog over TCP or TLS (RFC 5425) with octet-counted framing (RFC 6587): one connection kept open and reopened
/// after any failure. A receiver that closed the connection is noticed before the next batch (the channel goes
/// inactive on its FIN), so records are not written into a dead socket once it is known dead; one that stops reading
/// is dropped after `writeTimeout`.
actor SyslogStreamTransport: AuditSinkTransport {
    private let host: String
    private let port: Int
    private let tls: NIOSSLContext?
    private var channel: (any Channel)?
    /// Longest a batch may take to leave; then the connection is closed and the batch retried.
    static let writeTimeout: TimeAmount = .seconds(30)

    init(_ spec: AuditSinkSpec) throws {
        host = spec.host
        port = spec.port
        if spec.transport == .syslogTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = spec.caFile { configuration.trustRoots = .file(caFile) }
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
    }

    func deliver(_ messages: [String]) async throws {
        let channel = try await connected()
        var buffer = channel.allocator.buffer(capacity: messages.reduce(0) { $0 + $1.utf8.count + 8 })
        for message in messages { buffer.writeString(SyslogMessage.octetCounted(message)) }
        // A receiver that stops reading fills the socket buffer: the write would wait forever. Close it after a while.
        let deadline = channel.eventLoop.scheduleTask(in: Self.writeTimeout) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            self.channel = nil
            try? await channel.close().get()
            throw AuditSinkDeliveryError(description: "syslog write to \(host):\(port) failed: \(error)")
        }
    }

    func close() async {
        if let channel { try? await channel.close().get() }
        channel = nil
    }

    private func connected() async throws -> any Channel {
        if let channel, channel.isActive { return channel }
        if let channel { try? await channel.close().get() }
        channel = nil
        let tls = self.tls
        let serverName = Self.isAddress(host) ? nil : host
        do {
            let made = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelInitializer { channel in
                    guard let tls else { return channel.eventLoop.makeSucceededVoidFuture() }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                }
                .connect(host: host, port: port).get()
            channel = made
            return made
        } catch {
            throw AuditSinkDeliveryError(description: "syslog receiver \(host):\(port) unreachable: \(error)")
        }
    }

    static func isAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
