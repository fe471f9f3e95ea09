/// Detector thresholds. Defaults are documented in docs/posture.md.
public struct PostureThresholds: Sendable, Equatable {
    /// Over-privilege: granted scopes unused for this many days (and the identity is at least this old).
    public var usageWindowDays: Int = 30
    /// Stale: no issuance for this many days (and the identity is at least this old).
    public var staleDays: Int = 90
    /// Long-lived: token TTL above this many seconds (configured or observed).
    public var maximumTokenTTL: Int = 3600
    /// Drift: sources/audiences first seen in the last N days, compared with everything before.
    public var driftWindowDays: Int = 7
    /// Drift needs at least this many issuances before the drift window to have a baseline.
    public var driftMinimumBaseline: Int = 5
    /// Shared SPIFFE ID: more than this many distinct source addresses in the usage window.
    public var maximumSources: Int = 5
    /// Refusal spike: at least this many refusals in the last 24 hours...
    public var refusalSpikeMinimum: Int = 10
    /// ...and more than this multiple of the daily average over the 7 days before.
    public var refusalSpikeFactor: Double = 3
    /// Delegation: `act` chains deeper than this.
    public var maximumDelegationDepth: Int = 3
    /// Rate drift: at least this many issuances in the last 24 hours...
    public var rateSpikeMinimum: Int64 = 20
    /// ...and more than this multiple of the identity's daily average over the 7 days before (at least 1/day).
    public var rateSpikeFactor: Double = 5
    /// One subject token exchanged more than this many times.
    public var maximumExchangesPerSubjectToken: Int = 10
    /// Exceptions expiring within this many days are reported.
    public var exceptionWarningDays: Int = 3
    /// Expired (not revoked) exceptions are reported for this many days after expiry.
    public var exceptionExpiredDays: Int = 30
    /// Event-level findings (task, exchange, exception misuse) stay for this many days after the last event.
    public var eventRetentionDays: Int = 30
    /// Discovered identities: unused when the source records use and shows none for more than this many whole days
    /// (never used: known for at least this long).
    public var discoveryUnusedDays: Int = 90
    /// Discovered credentials older than this many days are long-lived (AWS access keys, AppRole secret IDs).
    public var credentialMaximumAgeDays: Int = 90
    /// Discovered static secrets whose current version is older than this many days are unrotated.
    public var secretRotationDays: Int = 90
    /// Evidence records kept per finding.
    public var evidenceLimit: Int = 5

    public init() {}
}
