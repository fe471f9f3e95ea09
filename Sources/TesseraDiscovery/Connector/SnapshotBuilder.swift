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

    /// Adds an observation, clamped to `DiscoveryLimits`: a field a source made too long is cut (with a problem that
    /// does not make the run partial) instead of making the server refuse the whole snapshot; an external id that is
    /// too long cannot be stored and the observation is left out (also a problem).
    public mutating func add(_ observation: DiscoveryObservation) {
        let clamped = Self.clamp(observation)
        guard observation.externalID.utf8.count <= DiscoveryLimits.maximumExternalID, !observation.externalID.isEmpty else {
            problem(
                "\(source): an identity with an external id of \(observation.externalID.utf8.count) bytes was left out "
                    + "(at most \(DiscoveryLimits.maximumExternalID))", affectsCompleteness: false)
            return
        }
        if clamped != observation {
            problem(
                "\(source): \(DiscoveryLimits.clamp(observation.externalID, to: 200)): fields longer than the limits were cut",
                affectsCompleteness: false)
        }
        observations.append(clamped)
    }

    static func clamp(_ o: DiscoveryObservation) -> DiscoveryObservation {
        func list(_ values: [String]) -> [String] {
            values.prefix(DiscoveryLimits.maximumListEntries).map { DiscoveryLimits.clamp($0) }
        }
        func map(_ values: [String: String]) -> [String: String] {
            var out: [String: String] = [:]
            for key in values.keys.sorted().prefix(DiscoveryLimits.maximumAttributes) {
                out[DiscoveryLimits.clamp(key, to: DiscoveryLimits.maximumAttributeKey)] = DiscoveryLimits.clamp(
                    values[key] ?? "")
            }
            return out
        }
        let credentials = o.credentials.prefix(DiscoveryLimits.maximumListEntries).map {
            DiscoveredCredential(
                kind: DiscoveryLimits.clamp($0.kind, to: DiscoveryLimits.maximumKind),
                reference: DiscoveryLimits.clamp($0.reference, to: DiscoveryLimits.maximumName),
                status: $0.status.map { DiscoveryLimits.clamp($0, to: DiscoveryLimits.maximumKind) }, createdAt: $0.createdAt,
                lastUsedAt: $0.lastUsedAt, expiresAt: $0.expiresAt, expiryKnown: $0.expiryKnown, details: map($0.details))
        }
        return DiscoveryObservation(
            externalID: o.externalID, name: DiscoveryLimits.clamp(o.name, to: DiscoveryLimits.maximumName),
            kind: DiscoveryLimits.clamp(o.kind, to: DiscoveryLimits.maximumKind), credentials: Array(credentials),
            grants: list(o.grants), privileged: list(o.privileged), interactiveUse: list(o.interactiveUse),
            lastUsedAt: o.lastUsedAt, usageKnown: o.usageKnown, createdAt: o.createdAt, attributes: map(o.attributes),
            unknowns: list(o.unknowns))
    }

    /// Records a problem; by default it means some identities may be missing, so nothing will be marked gone.
    public mutating func problem(_ text: String, affectsCompleteness: Bool = true) {
        if affectsCompleteness { complete = false }
        if problems.count < DiscoveryLimits.maximumListEntries - 1 {
            problems.append(DiscoveryLimits.clamp(text))
        } else {
            omittedProblems += 1
        }
    }

    /// Problems beyond the list's bound, counted in one closing problem.
    private var omittedProblems = 0

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
        let listed = omittedProblems > 0 ? problems + ["\(source): \(omittedProblems) more problems not listed"] : problems
        return DiscoverySnapshot(
            source: source, scope: scope, startedAt: startedAt, finishedAt: finishedAt, observations: unique,
            complete: complete, problems: listed,
            sourceFindings: sourceFindings.prefix(DiscoveryLimits.maximumListEntries).map { DiscoveryLimits.clamp($0) })
    }
}
