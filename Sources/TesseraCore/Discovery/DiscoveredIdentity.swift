import Foundation

/// Where a discovered identity stands: found with no owner, claimed by an owner, or no longer in its source.
public enum DiscoveryStatus: String, Sendable, Codable, CaseIterable {
    /// Found in its source; nobody has claimed it (no owner: NHI1).
    case discovered
    /// An owner has claimed it, with a purpose.
    case claimed
    /// A complete discovery run of its scope no longer found it (`goneAt` says when it was last seen).
    case gone
}

/// The ownership a person gives a discovered identity when they claim it.
public struct DiscoveryClaim: Sendable, Codable, Equatable {
    public let owner: String
    public let purpose: String
    public let environment: String?
    public let trustBoundary: String?
    public let reviewBy: Date?
    public let claimedAt: Date
    /// Who claimed it (the admin principal).
    public let claimedBy: String

    public init(
        owner: String, purpose: String, environment: String? = nil, trustBoundary: String? = nil, reviewBy: Date? = nil,
        claimedAt: Date, claimedBy: String
    ) {
        self.owner = owner
        self.purpose = purpose
        self.environment = environment
        self.trustBoundary = trustBoundary
        self.reviewBy = reviewBy
        self.claimedAt = claimedAt
        self.claimedBy = claimedBy
    }

    enum CodingKeys: String, CodingKey {
        case owner, purpose, environment
        case trustBoundary = "trust_boundary"
        case reviewBy = "review_by"
        case claimedAt = "claimed_at"
        case claimedBy = "claimed_by"
    }
}

/// An identity that exists outside Tessera, as the inventory knows it: the latest observation plus its lifecycle.
public struct DiscoveredIdentity: Sendable, Codable, Equatable {
    /// Opaque id (`dsc_` + 24 hex digits).
    public let id: String
    public let source: DiscoverySource
    /// The snapshot scope it was found in (see `DiscoverySnapshot.scope`).
    public let scope: String
    /// The latest observation (external id, name, kind, credentials, grants, evidence).
    public let observation: DiscoveryObservation
    public let status: DiscoveryStatus
    public let claim: DiscoveryClaim?
    /// The Tessera identity that replaced it (`identity migrate`); its old credentials are flagged while live.
    public let migratedTo: String?
    public let discoveredAt: Date
    public let lastSeenAt: Date
    /// When a complete run first missed it; `nil` while it is present.
    public let goneAt: Date?
    public let updatedAt: Date

    public init(
        id: String, source: DiscoverySource, scope: String, observation: DiscoveryObservation, status: DiscoveryStatus,
        claim: DiscoveryClaim?, migratedTo: String?, discoveredAt: Date, lastSeenAt: Date, goneAt: Date?, updatedAt: Date
    ) {
        self.id = id
        self.source = source
        self.scope = scope
        self.observation = observation
        self.status = status
        self.claim = claim
        self.migratedTo = migratedTo
        self.discoveredAt = discoveredAt
        self.lastSeenAt = lastSeenAt
        self.goneAt = goneAt
        self.updatedAt = updatedAt
    }

    public var externalID: String { observation.externalID }
    public var name: String { observation.name }
    public var owner: String? { claim?.owner }

    /// Creates a new opaque id.
    public static func newID() -> String { "dsc_" + RandomToken.hex(bytes: 12) }

    /// Whether an id names a discovered identity (rather than a Tessera one).
    public static func isDiscoveredID(_ id: String) -> Bool { id.hasPrefix("dsc_") }
}
