import Foundation

/// What the audit log shows about one subject (SPIFFE ID), folded record by record.
public struct UsageProfile: Sendable {
    /// When a value (scope, source, audience) was first and last seen, with the records that show it.
    public struct Sighting: Sendable {
        public var first: Date
        public var firstSeq: Int64
        public var last: Date
        public var lastSeq: Int64
        public var count: Int
    }

    public var issued = 0
    public var firstIssued: Date?
    public var lastIssued: Date?
    public var lastIssuedSeq: Int64?
    /// Issuances before the drift window (the baseline size).
    public var issuedBeforeDrift = 0
    public var scopes: [String: Sighting] = [:]
    public var sources: [String: Sighting] = [:]
    public var audiences: [String: Sighting] = [:]
    /// Refusals in the last 24 hours and in the 7 days before, with a few record numbers.
    public var recentRefusals = 0
    public var baselineRefusals = 0
    public var recentRefusalSeqs: [Int64] = []
    /// The longest observed token lifetime, in seconds, and its record.
    public var longestTTL: Int64 = 0
    public var longestTTLSeq: Int64?
    /// The deepest `act` chain seen, and its record.
    public var deepestDelegation = 0
    public var deepestDelegationSeq: Int64?

    public init() {}

    static func see(_ key: String, at time: Date, seq: Int64, in map: inout [String: Sighting]) {
        if var sighting = map[key] {
            sighting.last = time
            sighting.lastSeq = seq
            sighting.count += 1
            map[key] = sighting
        } else {
            map[key] = Sighting(first: time, firstSeq: seq, last: time, lastSeq: seq, count: 1)
        }
    }
}
