import Foundation

/// What a connector saw of one identity in its source, in one run: the input discovery merges into the inventory.
///
/// Connectors report facts; posture decides what is risky. `privileged` and `interactiveUse` carry the source's
/// evidence verbatim so a finding can cite it.
public struct DiscoveryObservation: Sendable, Codable, Equatable {
    /// Stable id in the source: the ARN, `postgres://host:port/db#role`, `openbao://addr/auth/approle/role/NAME`,
    /// `host://name/user`. Discovery is keyed on (source, external id).
    public let externalID: String
    /// The name people know it by (role name, user name, AppRole name).
    public let name: String
    /// What it is in its source: `database-role`, `approle`, `token`, `iam-user`, `iam-role`, `host-account`, ...
    public let kind: String
    public let credentials: [DiscoveredCredential]
    /// Every grant, as the source states it (`member of app_rw`, `policy: admin`, `AdministratorAccess`).
    public let grants: [String]
    /// Evidence that the identity is privileged beyond an application's needs (`superuser`, `bypassrls`,
    /// `policy "*" with sudo`, `Action "*" on Resource "*"`, `root token`). Empty when it is not.
    public let privileged: [String]
    /// Evidence of a human using it interactively (`psql session from 10.0.0.7`, `console sign-in`).
    public let interactiveUse: [String]
    /// When the identity was last used, when the source records it.
    public let lastUsedAt: Date?
    /// Whether the source records use at all (`false`: "never used" cannot be concluded).
    public let usageKnown: Bool
    /// When the identity was created in the source, when known.
    public let createdAt: Date?
    /// Source-specific facts shown to people (`valid_until`, `connection_limit`, `trust: web-identity`, ...).
    public let attributes: [String: String]
    /// What the source could not tell about this identity (each a sentence naming what is missing).
    public let unknowns: [String]

    public init(
        externalID: String, name: String, kind: String, credentials: [DiscoveredCredential] = [], grants: [String] = [],
        privileged: [String] = [], interactiveUse: [String] = [], lastUsedAt: Date? = nil, usageKnown: Bool = false,
        createdAt: Date? = nil, attributes: [String: String] = [:], unknowns: [String] = []
    ) {
        self.externalID = externalID
        self.name = name
        self.kind = kind
        self.credentials = credentials
        self.grants = grants
        self.privileged = privileged
        self.interactiveUse = interactiveUse
        self.lastUsedAt = lastUsedAt
        self.usageKnown = usageKnown
        self.createdAt = createdAt
        self.attributes = attributes
        self.unknowns = unknowns
    }

    enum CodingKeys: String, CodingKey {
        case externalID = "external_id"
        case name, kind, credentials, grants, privileged
        case interactiveUse = "interactive_use"
        case lastUsedAt = "last_used_at"
        case usageKnown = "usage_known"
        case createdAt = "created_at"
        case attributes, unknowns
    }
}

extension DiscoveryObservation {
    /// The observation without its use timestamps (identity and credentials): what a re-run compares, so that the
    /// discovery login's own use, or a workload using its key between runs, is recorded but is not a change.
    public var withoutUsage: DiscoveryObservation {
        DiscoveryObservation(
            externalID: externalID, name: name, kind: kind,
            credentials: credentials.map {
                DiscoveredCredential(
                    kind: $0.kind, reference: $0.reference, status: $0.status, createdAt: $0.createdAt, lastUsedAt: nil,
                    expiresAt: $0.expiresAt, expiryKnown: $0.expiryKnown,
                    details: $0.details.filter { !$0.key.hasPrefix("last_used") })
            },
            grants: grants, privileged: privileged, interactiveUse: interactiveUse, lastUsedAt: nil, usageKnown: usageKnown,
            createdAt: createdAt, attributes: attributes, unknowns: unknowns)
    }
}
