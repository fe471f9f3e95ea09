import Foundation

extension DiscoveredIdentity {
    /// A first sighting.
    public static func discovered(
        _ observation: DiscoveryObservation, source: DiscoverySource, scope: String, at now: Date
    ) -> DiscoveredIdentity {
        DiscoveredIdentity(
            id: newID(), source: source, scope: scope, observation: observation, status: .discovered, claim: nil,
            migratedTo: nil, discoveredAt: now, lastSeenAt: now, goneAt: nil, updatedAt: now)
    }

    /// Seen again: the new observation replaces the old; a gone identity comes back (claimed if it was).
    /// `updatedAt` moves only when something other than use timestamps changed, so an idempotent re-run changes
    /// nothing but `lastSeenAt` (and the last-use times the source reports).
    public func seen(_ next: DiscoveryObservation, at now: Date) -> DiscoveredIdentity {
        let status: DiscoveryStatus = claim == nil ? .discovered : .claimed
        let changed = next.withoutUsage != observation.withoutUsage || self.status != status
        return DiscoveredIdentity(
            id: id, source: source, scope: scope, observation: next, status: status, claim: claim, migratedTo: migratedTo,
            discoveredAt: discoveredAt, lastSeenAt: now, goneAt: nil, updatedAt: changed ? now : updatedAt)
    }

    /// Missing from a complete run of its scope.
    public func gone(at now: Date) -> DiscoveredIdentity {
        DiscoveredIdentity(
            id: id, source: source, scope: scope, observation: observation, status: .gone, claim: claim,
            migratedTo: migratedTo, discoveredAt: discoveredAt, lastSeenAt: lastSeenAt, goneAt: goneAt ?? now, updatedAt: now)
    }

    /// Claimed by an owner. Claiming again replaces the claim (a new owner takes over).
    public func claimed(_ claim: DiscoveryClaim) -> DiscoveredIdentity {
        DiscoveredIdentity(
            id: id, source: source, scope: scope, observation: observation, status: status == .gone ? .gone : .claimed,
            claim: claim, migratedTo: migratedTo, discoveredAt: discoveredAt, lastSeenAt: lastSeenAt, goneAt: goneAt,
            updatedAt: claim.claimedAt)
    }

    /// Replaced by the Tessera identity `identityID`.
    public func migrated(to identityID: String, at now: Date) -> DiscoveredIdentity {
        DiscoveredIdentity(
            id: id, source: source, scope: scope, observation: observation, status: status, claim: claim,
            migratedTo: identityID, discoveredAt: discoveredAt, lastSeenAt: lastSeenAt, goneAt: goneAt, updatedAt: now)
    }
}
