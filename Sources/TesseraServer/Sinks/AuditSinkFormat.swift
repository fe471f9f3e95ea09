import Foundation
import TesseraAudit

/// How a sink receives each audit record, one JSON object per record (docs/sinks.md):
/// - `tessera`: the record as `tessera audit export` writes it (its hashed fields with `seq`, plus `hash` and `mac`);
/// - `ecs`: Elastic Common Schema 8 (`@timestamp`, `event.*`, `tessera.*` with the whole record);
/// - `hec`: a Splunk HTTP Event Collector event (`time`, `host`, `source`, `sourcetype`, `event` = the record).
enum AuditSinkFormat: String, Sendable, Equatable {
    case tessera
    case ecs
    case hec

    /// The record as this format's JSON object, on one line.
    func line(_ record: AuditRecord, host: String) -> String {
        let export = record.exportLine()
        if self == .tessera { return export }
        guard let object = try? JSONSerialization.jsonObject(with: Data(export.utf8)) as? [String: Any] else {
            return export
        }
        let wrapped: [String: Any]
        switch self {
        case .tessera: return export
        case .ecs: wrapped = Self.ecs(object, seq: record.seq)
        case .hec:
            wrapped = [
                "time": Self.epochSeconds(object["time"] as? String) ?? 0, "host": host, "source": "tessera",
                "sourcetype": "tessera:audit", "event": object,
            ]
        }
        guard
            let data = try? JSONSerialization.data(withJSONObject: wrapped, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return export }
        return String(decoding: data, as: UTF8.self)
    }

    /// An ECS event: the standard fields a SIEM indexes, and the full record under `tessera`.
    private static func ecs(_ record: [String: Any], seq: Int64) -> [String: Any] {
        let outcome = record["outcome"] as? String
        var event: [String: Any] = [
            "kind": "event", "module": "tessera", "dataset": "tessera.audit", "provider": "tessera",
            "action": record["type"] as? String ?? "", "sequence": seq,
            "outcome": outcome == "success" ? "success" : outcome == nil ? "unknown" : "failure",
            "category": ["iam"],
        ]
        if let reason = record["reason"] { event["reason"] = reason }
        if let hash = record["hash"] { event["id"] = hash }
        var ecs: [String: Any] = [
            "@timestamp": record["time"] as? String ?? "", "ecs": ["version": "8.11.0"], "event": event, "tessera": record,
            "message": "\(record["type"] as? String ?? "") \(outcome ?? "")",
        ]
        if let actor = record["actor"] as? String { ecs["user"] = ["name": actor] }
        if let subject = record["subject"] as? String { ecs["service"] = ["name": subject] }
        if let writer = record["writer"] as? String { ecs["observer"] = ["name": writer, "product": "tessera"] }
        return ecs
    }

    private static func epochSeconds(_ time: String?) -> Double? {
        guard let time else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: time) { return (date.timeIntervalSince1970 * 1000).rounded() / 1000 }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: time).map(\.timeIntervalSince1970)
    }
}
