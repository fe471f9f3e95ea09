/// Scheduled discovery and the thresholds posture applies to discovered identities (docs/discovery.md).
public struct DiscoveryConfiguration: Sendable {
    /// Sources the server reads on a schedule (`--discover SPEC`, repeatable; see `DiscoverySourceSpec`).
    public var sources: [String] = []
    /// Unused: no recorded use for more than this many whole days.
    public var unusedDays: Int = 90
    /// Long-lived: discovered credentials older than this many days.
    public var credentialMaximumAgeDays: Int = 90
    /// Unrotated: discovered static secrets whose current version is older than this many days.
    public var secretRotationDays: Int = 90

    public init() {}

    func validate() throws(ServerError) {
        for (name, value) in [
            ("discovery unused days", unusedDays), ("credential maximum age days", credentialMaximumAgeDays),
            ("secret rotation days", secretRotationDays),
        ] where !(0...3650).contains(value) {
            throw ServerError(.configuration, "\(name) must be 0...3650")
        }
    }
}
