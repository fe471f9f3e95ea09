/// When request signals fire (docs/risk.md).
struct RiskThresholds: Sendable {
    /// Rate spike: more than this many requests in a minute...
    var rateSpikeMinimum = 30
    /// ...and more than this multiple of the identity's average per minute...
    var rateSpikeFactor = 5.0
    /// ...once at least this many minutes were observed.
    var rateBaselineMinutes = 10
    /// Unusual hour: only for identities with this many requests and a stable schedule.
    var scheduleMinimumRequests = 200
    /// Identities tracked; beyond it the least recently seen are forgotten.
    var maximumIdentities = 200_000
}
