import Foundation
import TesseraCore

/// A human who owns identities. Owners appear implicitly (by name on identities); this record exists once an
/// owner's status is set, e.g. when they depart.
public struct OwnerRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case active, departed }
    public let name: String
    public let status: Status
    public let departedAt: Date?
    public let updatedAt: Date

    public init(name: String, status: Status, departedAt: Date?, updatedAt: Date) {
        self.name = name
        self.status = status
        self.departedAt = departedAt
        self.updatedAt = updatedAt
    }
}

/// An identity whose owner departed, waiting for a new owner.
public struct ReassignmentItem: Sendable, Codable, Equatable {
    public let identityID: String
    public let previousOwner: String
    public let queuedAt: Date

    public init(identityID: String, previousOwner: String, queuedAt: Date) {
        self.identityID = identityID
        self.previousOwner = previousOwner
        self.queuedAt = queuedAt
    }

    enum CodingKeys: String, CodingKey {
        case identityID = "identity_id"
        case previousOwner = "previous_owner"
        case queuedAt = "queued_at"
    }
}

/// A long-lived secret Tessera does not issue but tracks: where it lives, who owns it, when it was last
/// rotated and how often it must be. Never holds the secret itself — only a fingerprint and a redacted prefix.
public struct StaticSecret: Sendable, Codable, Equatable {
    public let id: String
    /// What it is: a scanner rule id (`aws-access-key-id`) or free text (`postgres-password`).
    public let kind: String
    /// Where it lives (`repo/path:line`, a vault path, a CI variable name).
    public let location: String
    public let fingerprint: String
    public let redacted: String
    public let owner: String?
    /// `scan` (found by `tessera scan`) or `manual`.
    public let source: String
    /// Last rotation; `nil` means never rotated since it was first seen (`createdAt` counts).
    public let lastRotatedAt: Date?
    public let rotationPeriodDays: Int
    public let createdAt: Date
    public let updatedAt: Date

    public init(
        id: String, kind: String, location: String, fingerprint: String, redacted: String, owner: String?, source: String,
        lastRotatedAt: Date?, rotationPeriodDays: Int, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.location = location
        self.fingerprint = fingerprint
        self.redacted = redacted
        self.owner = owner
        self.source = source
        self.lastRotatedAt = lastRotatedAt
        self.rotationPeriodDays = rotationPeriodDays
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, location, fingerprint, redacted, owner, source
        case lastRotatedAt = "last_rotated_at"
        case rotationPeriodDays = "rotation_period_days"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// When the secret is due for rotation.
    public var rotationDue: Date {
        (lastRotatedAt ?? createdAt).addingTimeInterval(TimeInterval(rotationPeriodDays) * 86_400)
    }
}

/// The lifecycle state an operator gave a finding. Findings without a state are open.
public struct FindingState: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case open, acknowledged, resolved }
    public let id: String
    public let status: Status
    public let reason: String?
    /// For acknowledgements: the finding reopens after this instant.
    public let until: Date?
    public let actor: String?
    public let updatedAt: Date

    public init(id: String, status: Status, reason: String?, until: Date?, actor: String?, updatedAt: Date) {
        self.id = id
        self.status = status
        self.reason = reason
        self.until = until
        self.actor = actor
        self.updatedAt = updatedAt
    }
}

/// The inventory fields posture's detectors read, without the full `Identity` decoding (no SPIFFE ID parse,
/// no `JSONDecoder` for scope lists): an evaluation reads every identity.
public struct InventoryRow: Sendable {
    public let id: String
    /// The SPIFFE ID as stored (the OAuth client id).
    public let clientID: String
    public let owner: String
    public let status: IdentityStatus
    public let scopes: [String]
    public let jwks: String
    public let tokenTTL: Int?
    public let createdAt: Date
    public let expiresAt: Date?
    public let reviewBy: Date?

    public init(
        id: String, clientID: String, owner: String, status: IdentityStatus, scopes: [String], jwks: String, tokenTTL: Int?,
        createdAt: Date, expiresAt: Date?, reviewBy: Date?
    ) {
        self.id = id
        self.clientID = clientID
        self.owner = owner
        self.status = status
        self.scopes = scopes
        self.jwks = jwks
        self.tokenTTL = tokenTTL
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.reviewBy = reviewBy
    }
}
