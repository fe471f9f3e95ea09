import Foundation
import TesseraCore

/// The admin API's JSON view of a discovered identity: the latest observation flattened beside its lifecycle.
struct DiscoveredIdentityResource: Encodable {
    let id: String
    let source: String
    let scope: String
    let externalID: String
    let name: String
    let kind: String
    let status: String
    let owner: String?
    let claim: DiscoveryClaim?
    let migratedTo: String?
    let discoveredAt: Date
    let lastSeenAt: Date
    let lastUsedAt: Date?
    let usageKnown: Bool
    let goneAt: Date?
    let updatedAt: Date
    let credentials: [DiscoveredCredential]
    let grants: [String]
    let privileged: [String]
    let interactiveUse: [String]
    let attributes: [String: String]
    let unknowns: [String]

    init(_ identity: DiscoveredIdentity) {
        let observation = identity.observation
        id = identity.id
        source = identity.source.rawValue
        scope = identity.scope
        externalID = observation.externalID
        name = observation.name
        kind = observation.kind
        status = identity.status.rawValue
        owner = identity.owner
        claim = identity.claim
        migratedTo = identity.migratedTo
        discoveredAt = identity.discoveredAt
        lastSeenAt = identity.lastSeenAt
        lastUsedAt = observation.lastUsedAt
        usageKnown = observation.usageKnown
        goneAt = identity.goneAt
        updatedAt = identity.updatedAt
        credentials = observation.credentials
        grants = observation.grants
        privileged = observation.privileged
        interactiveUse = observation.interactiveUse
        attributes = observation.attributes
        unknowns = observation.unknowns
    }

    enum CodingKeys: String, CodingKey {
        case id, source, scope, name, kind, status, owner, claim, credentials, grants, privileged, attributes, unknowns
        case externalID = "external_id"
        case migratedTo = "migrated_to"
        case discoveredAt = "discovered_at"
        case lastSeenAt = "last_seen_at"
        case lastUsedAt = "last_used_at"
        case usageKnown = "usage_known"
        case goneAt = "gone_at"
        case updatedAt = "updated_at"
        case interactiveUse = "interactive_use"
    }
}
