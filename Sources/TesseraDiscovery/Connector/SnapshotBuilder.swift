import Foundation
import TesseraCore

/// Collects a connector's observations and problems into a snapshot. A problem makes the snapshot incomplete
/// unless it is recorded as `affectsCompleteness: false` (a fact the source would not tell about one identity).
public struct SnapshotBuilder: Sendable {
    public let source: DiscoverySource
    public let scope: String
    public let startedAt: Date
    public private(set) var observations: [DiscoveryObservation] = []
    public private(set) var problems: [String] = []
    public private(set) var sourceFindings: [String] = []
    public private(set) var complete = true

    public init(source: DiscoverySource, scope: String, startedAt: Date) {
        self.source = source
        self.scope = scope
        self.startedAt = startedAt
    }

    public mutating func add(_ observation: DiscoveryObservation) { observations.append(observation) }

    /// Records a problem; by default it means some identities may be missing, so nothing will be marked gone.
    public mutating func problem(_ text: String, affectsCompleteness: Bool = true) {
        problems.append(text)
        if affectsCompleteness { complete = false }
    }

    /// Records a fact about the source itself (reported as a finding on the scope).
    public mutating func sourceFinding(_ text: String) { sourceFindings.append(text) }

    public func snapshot(finishedAt: Date) -> DiscoverySnapshot {
        // One observation per external id: a listing that repeats an item (pages shifting under us) keeps the last.
        var seen: [String: Int] = [:]
        var unique: [DiscoveryObservation] = []
        for observation in observations {
            if let index = seen[observation.externalID] {
                unique[index] = observation
            } else {
                seen[observation.externalID] = unique.count
                unique.append(observation)
            }
        }
        return DiscoverySnapshot(
            source: source, scope: scope, startedAt: startedAt, finishedAt: finishedAt, observations: unique,
            complete: complete, problems: problems, sourceFindings: sourceFindings)
    }
}
