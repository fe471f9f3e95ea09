import Foundation

/// One connector run against one source: everything it saw, and whether it saw everything.
///
/// Only a complete snapshot may mark identities `gone`: a run that failed part-way (a page it could not read, a
/// permission it lacks) adds and updates what it saw and leaves the rest untouched.
public struct DiscoverySnapshot: Sendable, Codable, Equatable {
    public let source: DiscoverySource
    /// The system that was read, normalised without credentials (`postgres://127.0.0.1:5432/app`,
    /// `https://vault.example:8200`, `aws:123456789012`, `host://build-01`). Identities are marked gone per scope.
    public let scope: String
    public let startedAt: Date
    public let finishedAt: Date
    public let observations: [DiscoveryObservation]
    /// `true` when every listing was read to its end; `false` after any failure that may have hidden identities.
    public let complete: Bool
    /// Problems met (each names the source and what is missing): permissions lacking, pages not read, throttling.
    public let problems: [String]
    /// Facts about the source itself (`no audit device is enabled`), reported as findings on the scope.
    public let sourceFindings: [String]

    public init(
        source: DiscoverySource, scope: String, startedAt: Date, finishedAt: Date, observations: [DiscoveryObservation],
        complete: Bool, problems: [String] = [], sourceFindings: [String] = []
    ) {
        self.source = source
        self.scope = scope
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.observations = observations
        self.complete = complete
        self.problems = problems
        self.sourceFindings = sourceFindings
    }

    enum CodingKeys: String, CodingKey {
        case source, scope
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case observations, complete, problems
        case sourceFindings = "source_findings"
    }
}
