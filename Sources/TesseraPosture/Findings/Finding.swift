import Crypto
import Foundation

/// A fact that supports a finding: an audit record (by sequence number) or an inventory attribute.
public struct Evidence: Sendable, Codable, Equatable, Hashable {
    /// `audit`, `inventory` or `static-secret`.
    public let kind: String
    /// The audit record's sequence number, for `audit` evidence.
    public let seq: Int64?
    /// What the record or attribute shows.
    public let detail: String

    public init(kind: String, seq: Int64? = nil, detail: String) {
        self.kind = kind
        self.seq = seq
        self.detail = detail
    }

    /// Evidence from the audit record `seq`.
    public static func audit(_ seq: Int64, _ detail: String) -> Evidence { Evidence(kind: "audit", seq: seq, detail: detail) }
    /// Evidence from the inventory.
    public static func inventory(_ detail: String) -> Evidence { Evidence(kind: "inventory", detail: detail) }
}

/// One posture finding.
public struct Finding: Sendable, Codable, Equatable {
    /// Stable id: the same condition on the same subject always has the same id (`f_` + 16 hex digits).
    public let id: String
    public let category: FindingCategory
    public let owasp: OWASPItem
    public let severity: Severity
    /// The inventory id, when the finding is about an identity.
    public let identityID: String?
    /// The SPIFFE ID, or the static secret's location.
    public let subject: String
    public let title: String
    public let evidence: [Evidence]
    public let remediation: String
    /// For over-privilege: the scopes to keep and a validated Cedar policy that keeps only them.
    public let suggestion: LeastPrivilegeSuggestion?

    public init(
        category: FindingCategory, identityID: String?, subject: String, discriminator: String = "", title: String,
        evidence: [Evidence], severity: Severity? = nil, suggestion: LeastPrivilegeSuggestion? = nil
    ) {
        self.id = Self.id(category: category, subject: subject, discriminator: discriminator)
        self.category = category
        self.owasp = category.owasp
        self.severity = severity ?? category.severity
        self.identityID = identityID
        self.subject = subject
        self.title = title
        self.evidence = evidence
        self.remediation = category.remediation
        self.suggestion = suggestion
    }

    /// `f_` + the first 16 hex digits of SHA-256(category, subject, discriminator).
    public static func id(category: FindingCategory, subject: String, discriminator: String) -> String {
        let digest = SHA256.hash(data: Data("\(category.rawValue)\u{0}\(subject)\u{0}\(discriminator)".utf8))
        return "f_" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    enum CodingKeys: String, CodingKey {
        case id, category, owasp, severity, identityID = "identity_id", subject, title, evidence, remediation, suggestion
    }
}

/// The least-privilege alternative to an identity's grant.
public struct LeastPrivilegeSuggestion: Sendable, Codable, Equatable {
    /// Scopes actually issued in the window: the grant to keep.
    public let keepScopes: [String]
    /// Granted but never issued in the window: the grant to remove.
    public let removeScopes: [String]
    /// A Cedar policy (validated against the schema when one was given) refusing everything but `keepScopes`.
    public let cedarPolicy: String

    public init(keepScopes: [String], removeScopes: [String], cedarPolicy: String) {
        self.keepScopes = keepScopes
        self.removeScopes = removeScopes
        self.cedarPolicy = cedarPolicy
    }

    enum CodingKeys: String, CodingKey {
        case keepScopes = "keep_scopes", removeScopes = "remove_scopes", cedarPolicy = "cedar_policy"
    }
}
