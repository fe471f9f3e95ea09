import Foundation

/// A credential a discovered identity holds, described by metadata only. The secret itself is never fetched:
/// `reference` is something that names the credential without granting anything (an AWS access key id, a
/// SHA-256 fingerprint of an OpenBao token accessor, an SSH key's fingerprint, `password` for a role password).
public struct DiscoveredCredential: Sendable, Codable, Equatable, Hashable {
    /// `password`, `access-key`, `secret-id`, `token`, `ssh-key`, ...
    public let kind: String
    /// A non-secret handle for the credential, stable across discovery runs.
    public let reference: String
    /// `active`, `inactive`, `locked`, or `nil` when the source does not say.
    public let status: String?
    public let createdAt: Date?
    public let lastUsedAt: Date?
    /// When the credential stops working; `nil` means it does not expire (or the source cannot say: see `expiryKnown`).
    public let expiresAt: Date?
    /// Whether the source states the expiry (a `nil` `expiresAt` then means "never").
    public let expiryKnown: Bool
    /// Source-specific metadata: key type and size, options, last-used service and region, TTL, uses.
    public let details: [String: String]

    public init(
        kind: String, reference: String, status: String? = nil, createdAt: Date? = nil, lastUsedAt: Date? = nil,
        expiresAt: Date? = nil, expiryKnown: Bool = false, details: [String: String] = [:]
    ) {
        self.kind = kind
        self.reference = reference
        self.status = status
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.expiryKnown = expiryKnown
        self.details = details
    }

    /// Whether the credential can still be used (not disabled, locked or expired at `now`).
    public func isLive(at now: Date) -> Bool {
        if let status, status != "active" { return false }
        if let expiresAt, expiresAt <= now { return false }
        return true
    }

    enum CodingKeys: String, CodingKey {
        case kind, reference, status
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
        case expiryKnown = "expiry_known"
        case details
    }
}
