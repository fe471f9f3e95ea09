/// How risky one request is, and why: the identity's open findings and the request's signals against the
/// identity's own baseline. Computed on the hot path from memory; recorded with every decision.
public struct RiskAssessment: Sendable, Equatable {
    public enum Level: String, Sendable, Comparable, CaseIterable {
        case low, medium, high

        public static func < (lhs: Level, rhs: Level) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public let level: Level
    /// Named request signals (`new-network`, `new-audience`, `rate-spike`, `deep-delegation`, `unusual-hour`).
    public let signals: [String]
    /// Categories of the identity's open findings (sorted, distinct).
    public let openFindings: [String]
    /// Why the level is what it is, for the audit record (`finding orphaned (high)`, `signal new-network`).
    public let reasons: [String]

    public init(level: Level, signals: [String], openFindings: [String], reasons: [String]) {
        self.level = level
        self.signals = signals
        self.openFindings = openFindings
        self.reasons = reasons
    }

    public static let low = RiskAssessment(level: .low, signals: [], openFindings: [], reasons: [])
}
