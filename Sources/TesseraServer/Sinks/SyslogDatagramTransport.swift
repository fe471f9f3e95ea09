import NIOCore
import NIOPosix

/// Syslog over UDP (RFC 5426): one datagram per record, no acknowledgement (records lost on the way are not
/// resent; use TCP, TLS or a webhook where every record must arrive). Messages above 8 KiB are cut.
actor SyslogDatagramTransport: AuditSinkTransport {
    private let host: String
    private let port: Int
    private var channel: (any Channel)?
    static let maximumDatagram = 8192

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    func deliver(_ messages: [String]) async throws {
        let channel: any Channel
        if let open = self.channel, open.isActive {
            channel = open
        } else {
            do {
                channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: host, port: port).get()
            } catch {
                throw AuditSinkDeliveryError(description: "syslog receiver \(host):\(port) unreachable: \(error)")
            }
            self.channel = channel
        }
        var last: EventLoopFuture<Void>?
        for message in messages {
            let bytes = Array(message.utf8.prefix(Self.maximumDatagram))
            last = channel.write(channel.allocator.buffer(bytes: bytes))
        }
        channel.flush()
        do {
            try await last?.get()
        } catch {
            self.channel = nil
            try? await channel.close().get()
            throw AuditSinkDeliveryError(description: "syslog datagram to \(host):\(port) failed: \(error)")
        }
    }

    func close() async {
        if let channel { try? await channel.close().get() }
        channel = nil
    }
}
