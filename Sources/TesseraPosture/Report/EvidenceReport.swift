import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Evidence for auditors about one identity: ownership, every credential issued (and whether it was revoked),
/// lifecycle changes, and its current findings — each line pointing at the audit record that proves it.
public struct EvidenceReport: Sendable, Codable {
    public struct Entry: Sendable, Codable, Equatable {
        public let seq: Int64
        public let time: String
        public let type: String
        public let actor: String?
        public let summary: String
    }

    public let generatedAt: Date
    public let identity: Identity
    public let ownerStatus: String
    public let awaitingReassignment: Bool
    public let issuances: [Entry]
    public let revocations: [Entry]
    public let lifecycle: [Entry]
    public let findings: [TrackedFinding]
    /// The audit chain head the report was built against.
    public let auditHeadSeq: Int64?

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at", identity, ownerStatus = "owner_status", awaitingReassignment = "awaiting_reassignment"
        case issuances, revocations, lifecycle, findings, auditHeadSeq = "audit_head_seq"
    }

    /// Builds the report by streaming the audit log for records about `identity`.
    public static func build(
        identity: Identity, findings: [TrackedFinding], posture: any PostureRepository, audit: any AuditRecordStore,
        now: Date
    ) async throws -> EvidenceReport {
        var issuances: [Entry] = []
        var revocations: [Entry] = []
        var lifecycle: [Entry] = []
        var cursor: Int64 = 0
        var head: Int64?
        while true {
            let page = try await audit.records(after: cursor, limit: 5000)
            guard let last = page.last else { break }
            for record in page {
                guard let content = try? record.content() else { continue }
                let about = content.subject == identity.clientID || content.subject == identity.id
                    || content.details["identity_id"] == .string(identity.id)
                guard about else { continue }
                func entry(_ summary: String) -> Entry {
                    Entry(seq: content.seq, time: content.time, type: content.type, actor: content.actor, summary: summary)
                }
                switch content.type {
                case "token.issued", "svid.jwt.issued":
                    issuances.append(entry(describeIssuance(content.details)))
                case "token.revoked":
                    revocations.append(entry("jti \(text(content.details["jti"])) revoked: \(content.reason ?? "no reason")"))
                case let type where type.hasPrefix("identity.") || type.hasPrefix("owner."):
                    lifecycle.append(entry(content.reason ?? type))
                default: continue
                }
            }
            cursor = last.seq
            head = last.seq
            if page.count < 5000 { break }
        }
        let owner = try await posture.owner(identity.owner)
        let queued = try await posture.reassignmentQueue().contains { $0.identityID == identity.id }
        return EvidenceReport(
            generatedAt: now, identity: identity, ownerStatus: owner?.status.rawValue ?? "active", awaitingReassignment: queued,
            issuances: issuances, revocations: revocations, lifecycle: lifecycle,
            findings: findings.filter { $0.finding.identityID == identity.id }, auditHeadSeq: head)
    }

    static func text(_ value: AuditValue?) -> String {
        switch value {
        case .string(let s)?: s
        case .int(let i)?: String(i)
        case .bool(let b)?: String(b)
        case .strings(let list)?: list.joined(separator: " ")
        case nil: "-"
        }
    }

    static func describeIssuance(_ details: [String: AuditValue]) -> String {
        var expiry = "-"
        if case .int(let exp)? = details["exp"] { expiry = ISO8601.format(Date(timeIntervalSince1970: TimeInterval(exp))) }
        return "jti \(text(details["jti"])) scope [\(text(details["scope"]))] aud \(text(details["aud"])) expires \(expiry) from \(text(details["source"]))"
    }
}
