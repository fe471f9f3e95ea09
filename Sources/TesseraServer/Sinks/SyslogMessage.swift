import Foundation
import TesseraAudit

/// RFC 5424 syslog messages of audit records, and RFC 6587 octet-counted framing for TCP and TLS.
///
/// `<PRI>1 TIMESTAMP HOSTNAME tessera PROCID MSGID [tessera@32473 seq="N"] MSG`: facility 13 (log audit), severity
/// notice for a success and warning otherwise; MSGID is the record type, MSG the record in the sink's format.
enum SyslogMessage {
    /// The message of one record whose formatted line is `line`.
    static func make(_ record: AuditRecord, line: String, host: String) -> String {
        let success = topLevelString("outcome", in: record.body).map { $0 == "success" } ?? true
        let time = topLevelString("time", in: record.body) ?? "-"
        let type = topLevelString("type", in: record.body).map { printable($0, limit: 32) } ?? "-"
        return "<\(13 * 8 + (success ? 5 : 4))>1 \(printable(time, limit: 64)) \(printable(host, limit: 255)) tessera \(pid) "
            + "\(type) [tessera@32473 seq=\"\(record.seq)\"] \(line)"
    }

    /// `LENGTH SP MESSAGE`: the octet count of the UTF-8 message, then the message (RFC 6587 3.4.1).
    static func octetCounted(_ message: String) -> String {
        "\(message.utf8.count) \(message)"
    }

    /// A top-level string field of a record's canonical body without decoding it: the body's keys are sorted and
    /// `details` (the only nested object) comes before `outcome`, `time` and `type`, and string values escape their
    /// quotes, so the last `"key":"` is the top-level one. The value is read up to its closing quote (these fields hold
    /// no escapes: an ISO 8601 time, a dotted type, an outcome).
    static func topLevelString(_ key: String, in body: String) -> String? {
        guard let start = body.range(of: "\"\(key)\":\"", options: .backwards) else { return nil }
        guard let end = body[start.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(body[start.upperBound..<end])
    }

    private static let pid = "\(ProcessInfo.processInfo.processIdentifier)"

    /// Printable US-ASCII without spaces, at most `limit` characters; `-` when nothing is left (RFC 5424 6.2).
    static func printable(_ text: String, limit: Int) -> String {
        let kept = String(text.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(limit).map(Character.init))
        return kept.isEmpty ? "-" : kept
    }
}
