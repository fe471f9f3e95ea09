import Crypto
import Foundation
import TesseraCore

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
///
/// A value type over one immutable, shared box: an estate of a million identities keeps hundreds of thousands of
/// findings, each held by its identity's results and by the sorted list an evaluation answers. Copies share the box
/// (8 bytes each) instead of repeating about 170 bytes of fields and retaining every string and array in them.
public struct Finding: Sendable, Codable, Equatable {
    private final class Storage: Sendable {
        let id: String
        let category: FindingCategory
        let severity: Severity
        let identityID: String?
        let subject: String
        let title: String
        let evidence: [Evidence]
        let suggestion: LeastPrivilegeSuggestion?

        init(
            id: String, category: FindingCategory, severity: Severity, identityID: String?, subject: String, title: String,
            evidence: [Evidence], suggestion: LeastPrivilegeSuggestion?
        ) {
            self.id = id
            self.category = category
            self.severity = severity
            self.identityID = identityID
            self.subject = subject
            self.title = title
            self.evidence = evidence
            self.suggestion = suggestion
        }
    }

    private let storage: Storage

    /// Stable id: the same condition on the same subject always has the same id (`f_` + 16 hex digits).
    public var id: String { storage.id }
    public var category: FindingCategory { storage.category }
    public var owasp: OWASPItem { storage.category.owasp }
    public var severity: Severity { storage.severity }
    /// The inventory id, when the finding is about an identity.
    public var identityID: String? { storage.identityID }
    /// The SPIFFE ID, or the static secret's location.
    public var subject: String { storage.subject }
    public var title: String { storage.title }
    public var evidence: [Evidence] { storage.evidence }
    public var remediation: String { storage.category.remediation }
    /// For over-privilege: the scopes to keep and a validated Cedar policy that keeps only them.
    public var suggestion: LeastPrivilegeSuggestion? { storage.suggestion }

    public init(
        category: FindingCategory, identityID: String?, subject: String, discriminator: String = "", title: String,
        evidence: [Evidence], severity: Severity? = nil, suggestion: LeastPrivilegeSuggestion? = nil
    ) {
        storage = Storage(
            id: Self.id(category: category, subject: subject, discriminator: discriminator), category: category,
            severity: severity ?? category.severity, identityID: identityID, subject: subject, title: title,
            evidence: evidence, suggestion: suggestion)
    }

    /// `f_` + the first 16 hex digits of SHA-256(category, subject, discriminator).
    public static func id(category: FindingCategory, subject: String, discriminator: String) -> String {
        var hasher = SHA256()
        for (index, part) in [category.rawValue, subject, discriminator].enumerated() {
            if index > 0 { hasher.update(data: [0]) }
            var part = part
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return "f_" + Hex.encode(hasher.finalize().prefix(8))
    }

    public static func == (lhs: Finding, rhs: Finding) -> Bool {
        if lhs.storage === rhs.storage { return true }
        return lhs.id == rhs.id && lhs.category == rhs.category && lhs.severity == rhs.severity
            && lhs.identityID == rhs.identityID && lhs.subject == rhs.subject && lhs.title == rhs.title
            && lhs.evidence == rhs.evidence && lhs.suggestion == rhs.suggestion
    }

    enum CodingKeys: String, CodingKey {
        case id, category, owasp, severity
        case identityID = "identity_id"
        case subject, title, evidence, remediation, suggestion
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(category, forKey: .category)
        try container.encode(owasp, forKey: .owasp)
        try container.encode(severity, forKey: .severity)
        try container.encodeIfPresent(identityID, forKey: .identityID)
        try container.encode(subject, forKey: .subject)
        try container.encode(title, forKey: .title)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(remediation, forKey: .remediation)
        try container.encodeIfPresent(suggestion, forKey: .suggestion)
    }

    /// Decodes a finding as `encode(to:)` writes it (the id as given; `owasp` and `remediation` follow the category).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        storage = Storage(
            id: try container.decode(String.self, forKey: .id),
            category: try container.decode(FindingCategory.self, forKey: .category),
            severity: try container.decode(Severity.self, forKey: .severity),
            identityID: try container.decodeIfPresent(String.self, forKey: .identityID),
            subject: try container.decode(String.self, forKey: .subject),
            title: try container.decode(String.self, forKey: .title),
            evidence: try container.decode([Evidence].self, forKey: .evidence),
            suggestion: try container.decodeIfPresent(LeastPrivilegeSuggestion.self, forKey: .suggestion))
    }
}

/// The least-privilege alternative to an identity's grant.
public struct LeastPrivilegeSuggestion: Sendable, Codable, Equatable {
    /// Scopes actually issued in the window: the grant to keep.
    public let keepScopes: [String]
    /// Granted but never issued in the window: the grant to remove.
    public let removeScopes: [String]
    /// The identity the policy restricts, and the window it was learned from.
    let spiffeID: String
    let windowDays: Int
    /// Set when the policy shape failed to parse or validate (then `cedarPolicy` is a comment saying so).
    let failure: String?

    /// A Cedar policy refusing everything but `keepScopes` (its shape parsed and validated against the schema,
    /// when one was given, once per evaluation). Rendered on demand: a large estate has many of these.
    public var cedarPolicy: String {
        if let failure { return "// policy generation failed: \(failure)" }
        return LeastPrivilegePolicy.text(spiffeID: spiffeID, keep: keepScopes, windowDays: windowDays)
    }

    init(keepScopes: [String], removeScopes: [String], spiffeID: String, windowDays: Int, failure: String?) {
        self.keepScopes = keepScopes
        self.removeScopes = removeScopes
        self.spiffeID = spiffeID
        self.windowDays = windowDays
        self.failure = failure
    }

    enum CodingKeys: String, CodingKey {
        case keepScopes = "keep_scopes"
        case removeScopes = "remove_scopes"
        case cedarPolicy = "cedar_policy"
        case spiffeID = "spiffe_id"
        case windowDays = "window_days"
        case failure
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keepScopes, forKey: .keepScopes)
        try container.encode(removeScopes, forKey: .removeScopes)
        try container.encode(cedarPolicy, forKey: .cedarPolicy)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keepScopes = try container.decode([String].self, forKey: .keepScopes)
        removeScopes = try container.decode([String].self, forKey: .removeScopes)
        spiffeID = try container.decodeIfPresent(String.self, forKey: .spiffeID) ?? ""
        windowDays = try container.decodeIfPresent(Int.self, forKey: .windowDays) ?? 30
        failure = try container.decodeIfPresent(String.self, forKey: .failure)
    }
}
