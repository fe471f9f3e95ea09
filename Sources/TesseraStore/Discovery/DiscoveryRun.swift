import Foundation
import TesseraCore

/// One discovery run as recorded: when, what it read, whether it read everything, what changed.
public struct DiscoveryRun: Sendable, Codable, Equatable {
    public let id: String
    public let source: DiscoverySource
    public let scope: String
    public let startedAt: Date
    public let finishedAt: Date
    public let complete: Bool
    public let counts: [String: Int]
    public let problems: [String]
    /// Facts about the source itself (e.g. no audit device): reported as findings on the scope.
    public let sourceFindings: [String]
    /// Who ran it: an admin principal, or `schedule` for the server's own runs.
    public let actor: String

    public init(
        id: String, source: DiscoverySource, scope: String, startedAt: Date, finishedAt: Date, complete: Bool,
        counts: [String: Int], problems: [String], sourceFindings: [String], actor: String
    ) {
        self.id = id
        self.source = source
        self.scope = scope
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.complete = complete
        self.counts = counts
        self.problems = problems
        self.sourceFindings = sourceFindings
        self.actor = actor
    }

    public static func newID() -> String { "drun_" + RandomToken.hex(bytes: 12) }

    enum CodingKeys: String, CodingKey {
        case id, source, scope
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case complete, counts, problems
        case sourceFindings = "source_findings"
        case actor
    }
}
