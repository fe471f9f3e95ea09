import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Evidence for auditors about one identity: ownership and purpose, every credential issued (each lease, and
/// when it expired or was revoked), key rotations, exceptions, lifecycle changes and its current findings —
/// each line pointing at the audit record or table row that proves it.
public struct EvidenceReport: Sendable, Codable {
    public struct Entry: Sendable, Codable, Equatable {
        public let seq: Int64
        public let time: String
        public let type: String
        public let actor: String?
        public let summary: String
    }

    /// One credential (lease) issued to the identity and how it ended.
    public struct Credential: Sendable, Codable, Equatable {
        public let id: String
        public let kind: String
        public let task: String?
        public let issuedAt: Date
        public let expiresAt: Date
        public let revokedAt: Date?
        public let revokeReason: String?
        /// `live`, `expired` or `revoked`, at the report's time.
        public let state: String

        enum CodingKeys: String, CodingKey {
            case id, kind, task
            case issuedAt = "issued_at"
            case expiresAt = "expires_at"
            case revokedAt = "revoked_at"
            case revokeReason = "revoke_reason"
            case state
        }
    }

    public let generatedAt: Date
    public let identity: Identity
    public let ownerStatus: String
    public let awaitingReassignment: Bool
    public let credentials: [Credential]
    public let issuances: [Entry]
    public let revocations: [Entry]
    /// Key changes: creation with its first key, then every update that replaced the key set.
    public let rotations: [Entry]
    public let exceptions: [PolicyException]
    public let lifecycle: [Entry]
    public let findings: [TrackedFinding]
    /// The audit chain head the report was built against.
    public let auditHeadSeq: Int64?

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at"
        case identity
        case ownerStatus = "owner_status"
        case awaitingReassignment = "awaiting_reassignment"
        case credentials, issuances, revocations, rotations, exceptions, lifecycle, findings
        case auditHeadSeq = "audit_head_seq"
    }

    /// Builds the report: the audit log is scanned raw (bodies that do not mention the identity are skipped
    /// without decoding), leases and exceptions come from their tables.
    public static func build(
        identity: Identity, findings: [TrackedFinding], database: any TesseraStorage, now: Date, leaseLimit: Int = 10_000
    ) async throws -> EvidenceReport {
        let reader = database.postureAudit
        let head = try await reader.lastSeq()
        let needles = [identity.clientID, identity.id].map { Array("\"\($0)\"".utf8) }
        @Sendable func match(_ body: UnsafeRawBufferPointer, into matches: inout [AuditRecordContent]) {
            guard needles.contains(where: { Self.contains(body, $0) }),
                let content = try? JSONDecoder().decode(AuditRecordContent.self, from: Data(body))
            else { return }
            matches.append(content)
        }
        let records: [AuditRecordContent]
        if reader.blocks {
            records = try await OffPoolThread.run {
                var matches: [AuditRecordContent] = []
                try reader.scan(after: 0, through: head) { _, body in match(body, into: &matches) }
                return matches
            }
        } else {
            var matches: [AuditRecordContent] = []
            try await reader.stream(after: 0, through: head) { _, body in match(body, into: &matches) }
            records = matches
        }
        var issuances: [Entry] = []
        var revocations: [Entry] = []
        var rotations: [Entry] = []
        var lifecycle: [Entry] = []
        for content in records {
            let about =
                content.subject == identity.clientID || content.subject == identity.id
                || content.details["identity_id"] == .string(identity.id)
            guard about else { continue }
            func entry(_ summary: String) -> Entry {
                Entry(seq: content.seq, time: content.time, type: content.type, actor: content.actor, summary: summary)
            }
            switch content.type {
            case AuditEventType.tokenIssued, AuditEventType.jwtSVIDIssued:
                issuances.append(entry(describeIssuance(content.details)))
            case AuditEventType.tokenRevoked, AuditEventType.leaseRevoked:
                revocations.append(
                    entry("\(text(content.details["jti"] ?? content.details["lease"])) revoked: \(content.reason ?? "no reason")")
                )
            case AuditEventType.identityCreated:
                rotations.append(entry("first key set registered"))
                lifecycle.append(entry(content.reason ?? content.type))
            case AuditEventType.identityUpdated:
                if case .strings(let fields)? = content.details["fields"],
                    fields.contains(where: { $0 == "jwks" || $0 == "public_key_pem" })
                {
                    rotations.append(entry("key set replaced"))
                }
                lifecycle.append(entry(content.reason ?? "updated \(text(content.details["fields"]))"))
            case let type where type.hasPrefix("identity.") || type.hasPrefix("owner.") || type.hasPrefix("exception."):
                lifecycle.append(entry(content.reason ?? type))
            default: continue
            }
        }
        let leases = try await database.tasks.leases(
            matching: LeaseFilter(subject: identity.clientID, limit: leaseLimit), now: now)
        let credentials = leases.sorted { ($0.issuedAt, $0.id) < ($1.issuedAt, $1.id) }.map { lease in
            Credential(
                id: lease.id, kind: lease.kind, task: lease.taskID, issuedAt: lease.issuedAt, expiresAt: lease.expiresAt,
                revokedAt: lease.revokedAt, revokeReason: lease.revokeReason,
                state: lease.revokedAt != nil ? "revoked" : lease.expiresAt <= now ? "expired" : "live")
        }
        let exceptions = (try? await database.exceptions.list(identity: identity.clientID, activeAt: nil, limit: 1000)) ?? []
        let owner = try await database.posture.owner(identity.owner)
        let queued = try await database.posture.reassignmentQueue().contains { $0.identityID == identity.id }
        return EvidenceReport(
            generatedAt: now, identity: identity, ownerStatus: owner?.status.rawValue ?? "active", awaitingReassignment: queued,
            credentials: credentials, issuances: issuances, revocations: revocations, rotations: rotations,
            exceptions: exceptions.sorted { $0.createdAt < $1.createdAt }, lifecycle: lifecycle,
            findings: findings.filter { $0.finding.identityID == identity.id || $0.finding.subject == identity.clientID },
            auditHeadSeq: head == 0 ? nil : head)
    }

    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard let base = haystack.baseAddress, let first = needle.first, haystack.count >= needle.count else { return false }
        return needle.withUnsafeBytes { pattern in
            var offset = 0
            let last = haystack.count - needle.count
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
                let position = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + position, pattern.baseAddress!, needle.count) == 0 { return true }
                offset = position + 1
            }
            return false
        }
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
        var out =
            "jti \(text(details["jti"])) scope [\(text(details["scope"]))] aud \(text(details["aud"])) expires \(expiry) from \(text(details["source"]))"
        if details["exception"] != nil { out += " (granted by exception \(text(details["exception"])))" }
        return out
    }
}
