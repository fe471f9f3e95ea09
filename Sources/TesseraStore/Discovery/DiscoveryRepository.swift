import Foundation
import TesseraCore

/// Which discovered identities to list.
public struct DiscoveryFilter: Sendable, Equatable {
    public var source: DiscoverySource?
    public var scope: String?
    public var status: DiscoveryStatus?
    public var owner: String?
    /// Keyset cursor: ids after this one.
    public var after: String?
    public var limit: Int = 100

    public init(source: DiscoverySource? = nil, status: DiscoveryStatus? = nil, limit: Int = 100) {
        self.source = source
        self.status = status
        self.limit = limit
    }
}

/// What one applied snapshot changed, for the run's audit record and the caller.
public struct DiscoveryChanges: Sendable {
    public enum Change: String, Sendable, Codable {
        /// First seen.
        case new
        /// Seen again with a different observation.
        case changed
        /// Seen again after being gone.
        case returned
        /// Missing from a complete run.
        case gone
    }

    /// Each identity whose record changed, with how.
    public let changed: [(identity: DiscoveredIdentity, change: Change)]
    /// Identities seen again exactly as before (only `last_seen_at` moved).
    public let unchanged: Int
    /// Observations left out, with why (a repeated external id, or one another scope holds).
    public let skipped: [String]

    public init(changed: [(identity: DiscoveredIdentity, change: Change)], unchanged: Int, skipped: [String] = []) {
        self.changed = changed
        self.unchanged = unchanged
        self.skipped = skipped
    }

    /// Counts by change, plus `seen` and `unchanged`.
    public func counts(seen: Int) -> [String: Int] {
        var counts = ["seen": seen, "unchanged": unchanged, "new": 0, "changed": 0, "returned": 0, "gone": 0]
        if !skipped.isEmpty { counts["skipped"] = skipped.count }
        for (_, change) in changed { counts[change.rawValue, default: 0] += 1 }
        return counts
    }
}

/// Persistence for identities found outside Tessera and the discovery runs that found them.
public protocol DiscoveryRepository: Sendable {
    /// Merges a snapshot in one transaction: new identities are added, known ones updated, and — only when the
    /// snapshot is complete — identities of its scope that it did not see are marked gone. Claims survive.
    func apply(_ snapshot: DiscoverySnapshot, at now: Date) async throws -> DiscoveryChanges
    func get(id: String) async throws -> DiscoveredIdentity?
    /// A page ordered by id.
    func list(_ filter: DiscoveryFilter) async throws -> [DiscoveredIdentity]
    /// Replaces the lifecycle fields of an existing record (claim, migration); `notFound` if absent.
    func update(_ identity: DiscoveredIdentity) async throws
    /// Records a run (its counts, problems and facts about the source).
    func recordRun(_ run: DiscoveryRun) async throws
    /// The latest complete run of each scope, newest first (a partial run cannot clear what a complete one found).
    func latestRuns() async throws -> [DiscoveryRun]
}
