import Crypto
import Foundation
import TesseraCore

/// One entry of the hash chain. `body` is the canonical JSON that was hashed; it embeds `prev`, so
/// `hash = SHA-256(body)` links every record to the one before it.
public struct AuditRecord: Sendable, Equatable {
    public let seq: Int64
    public let prevHash: String
    public let hash: String
    public let body: String
    /// Not hashed: stored beside the record (see `AuditEvent.replayGuard`).
    public let replayGuard: ReplayGuard?
    /// Not hashed: the lease written beside the record (see `AuditEvent.lease`).
    public let lease: Lease?

    public init(
        seq: Int64, prevHash: String, hash: String, body: String, replayGuard: ReplayGuard? = nil, lease: Lease? = nil
    ) {
        self.lease = lease
        self.seq = seq
        self.prevHash = prevHash
        self.hash = hash
        self.body = body
        self.replayGuard = replayGuard
    }

    /// The `prev` of the first record.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Builds the record that follows `prevHash` at `seq`.
    public static func make(seq: Int64, prevHash: String, time: Date, event: AuditEvent) throws -> AuditRecord {
        let content = AuditRecordContent(
            seq: seq, time: ISO8601.format(time.roundedToMilliseconds), type: event.type, outcome: event.outcome,
            actor: event.actor, subject: event.subject, reason: event.reason, task: event.task, details: event.details,
            prev: prevHash)
        let body = content.canonicalJSON()
        return AuditRecord(seq: seq, prevHash: prevHash, hash: digest(body), body: body, replayGuard: event.replayGuard,
            lease: event.lease)
    }

    /// SHA-256 of `body`, lowercase hex.
    public static func digest(_ body: String) -> String {
        Hex.encode(SHA256.hash(data: Data(body.utf8)))
    }

    /// The decoded fields of `body`.
    public func content() throws -> AuditRecordContent {
        try JSONDecoder().decode(AuditRecordContent.self, from: Data(body.utf8))
    }

    /// The record as one JSON line for export: its fields plus `hash`.
    public func exportLine() -> String {
        String(body.dropLast()) + ",\"hash\":\"\(hash)\"}"
    }
}

/// The hashed fields of an audit record.
public struct AuditRecordContent: Sendable, Codable, Equatable {
    public let seq: Int64
    public let time: String
    public let type: String
    public let outcome: AuditEvent.Outcome
    public let actor: String?
    public let subject: String?
    public let reason: String?
    public let task: String?
    public let details: [String: AuditValue]
    public let prev: String
}

extension Date {
    var roundedToMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
