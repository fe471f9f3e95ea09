import Foundation
import TesseraAudit

/// RFC 5424 syslog messages of audit records, and RFC 6587 octet-counted framing for TCP and TLS.
///
/// `<PRI>1 TIMESTAMP HOSTNAME tessera PROCID MSGID [tessera@32473 seq="N"] MSG`: facility 13 (log audit), severity
/// notice for a success and warning otherwise; MSGID is the record type, MSG the record in the sink's format.
enum SyslogMessage {
    /// The message of one record whose formatted line is `line`.
    static func make(_ record: AuditRecord, line: String, host: String, content: AuditRecordContent?) -> String {
        let severity = content.map { $0.outcome == .success ? 5 : 4 } ?? 5
        let time = content?.time ?? "-"
        let type = content.map { printable($0.type, limit: 32) } ?? "-"
        return "<\(13 * 8 + severity)>1 \(time) \(printable(host, limit: 255)) tessera \(pid) \(type) "
            + "[tessera@32473 seq=\"\(record.seq)\"] \(line)"
    }

    /// `LENGTH SP MESSAGE`: the octet count of the UTF-8 message, then the message (RFC 6587 3.4.1).
    static func octetCounted(_ message: String) -> String {
        "\(message.utf8.count) \(message)"
    }

    private static let pid = "\(ProcessInfo.processInfo.processIdentifier)"

    /// Printable US-ASCII without spaces, at most `limit` characters; `-` when nothing is left (RFC 5424 6.2).
    static func printable(_ text: String, limit: Int) -> String {
        let kept = String(text.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(limit).map(Character.init))
        return kept.isEmpty ? "-" : kept
    }
}
