/// Risk in every decision (docs/risk.md): on by default; the refresh interval bounds how long a new finding takes to
/// reach decisions on this server.
public struct RiskConfiguration: Sendable {
    /// Assess risk on every decision (`--no-risk-assessment` turns it off, e.g. to measure its cost).
    public var enabled = true
    /// Seconds between posture refreshes of the open findings the assessment uses.
    public var refreshInterval: Double = 2

    public init() {}

    func validate() throws(ServerError) {
        guard (0.5...60).contains(refreshInterval) else {
            throw ServerError(.configuration, "risk refresh interval must be 0.5...60 seconds")
        }
    }
}
