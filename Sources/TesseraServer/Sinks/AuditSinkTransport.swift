import Foundation

/// Carries formatted audit records to one sink. `deliver` returns once the sink has them as far as its protocol can
/// tell (webhook: a 2xx answer; file: fsync'd; syslog over TCP/TLS: written to the open connection; UDP: sent), and
/// throws otherwise: the worker then retries the same records, so a record reaches the sink at least once.
protocol AuditSinkTransport: Sendable {
    /// Delivers `messages` (one per record, in order).
    func deliver(_ messages: [String]) async throws
    /// Closes connections at shutdown.
    func close() async
}

/// Why a sink did not take a batch; safe to log (no key, no body).
struct AuditSinkDeliveryError: Error, CustomStringConvertible {
    let description: String
}

extension AuditSinkSpec {
    /// Whether records travel as RFC 5424 syslog messages.
    var isSyslog: Bool { [.syslogTCP, .syslogTLS, .syslogUDP].contains(transport) }

    /// The transport this spec names.
    func makeTransport() throws -> any AuditSinkTransport {
        switch transport {
        case .syslogTCP, .syslogTLS: return try SyslogStreamTransport(self)
        case .syslogUDP: return SyslogDatagramTransport(host: host, port: port)
        case .https, .http: return try WebhookTransport(self)
        case .file: return FileSinkTransport(path: path)
        }
    }
}

extension AuditSinkTransport {
    func close() async {}
}
