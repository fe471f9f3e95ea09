import Foundation

/// What one identity usually does, learned from its allowed requests on this server: the networks it calls from,
/// the audiences it asks for, its request rate, its delegation depth and its hours. Bounded: a few dozen entries
/// per identity whatever it sends.
struct IdentityBaseline: Sendable {
    static let maximumNetworks = 32
    static let maximumAudiences = 64
    /// Requests learned before "never seen" means anything.
    static let establishedAfter = 20

    var requests = 0
    var networks: Set<String> = []
    /// Networks first seen in requests a task excused, with the minute they were first seen: such a network becomes
    /// part of the baseline only a day later (one task must not launder a network for good).
    var pendingNetworks: [String: Int64] = [:]
    var audiences: Set<String> = []
    var maximumDepth = 0
    var hours = [Int](repeating: 0, count: 24)
    /// Requests per minute: the current minute's count and a moving average of past minutes.
    var minute: Int64 = 0
    var countThisMinute = 0
    var averagePerMinute = 0.0
    var minutesObserved = 0

    var established: Bool { requests >= Self.establishedAfter }

    /// The signals `request` raises against this baseline (before it is learned).
    func signals(network: String?, audience: String, depth: Int, minute now: Int64, hour: Int, thresholds: RiskThresholds)
        -> [String]
    {
        guard established else { return [] }
        var out: [String] = []
        if let network, !networks.contains(network) {
            out.append("new-network")
        }
        if !audiences.contains(audience) { out.append("new-audience") }
        let current = now == minute ? countThisMinute + 1 : 1
        if minutesObserved >= thresholds.rateBaselineMinutes,
            Double(current)
                > max(
                    Double(thresholds.rateSpikeMinimum), averagePerMinute * thresholds.rateSpikeFactor)
        {
            out.append("rate-spike")
        }
        if depth > maximumDepth { out.append("deep-delegation") }
        if requests >= thresholds.scheduleMinimumRequests, hasStableSchedule, Double(hours[hour]) / Double(requests) < 0.005 {
            out.append("unusual-hour")
        }
        return out
    }

    /// A stable schedule: nine in ten requests fall within the identity's twelve busiest hours.
    var hasStableSchedule: Bool {
        let busiest = hours.sorted(by: >).prefix(12).reduce(0, +)
        return Double(busiest) >= 0.9 * Double(requests)
    }

    /// Minutes a task-excused network waits before it joins the baseline.
    static let pendingMinutes: Int64 = 24 * 60

    mutating func learn(network: String?, audience: String, depth: Int, minute now: Int64, hour: Int, inTask: Bool = false) {
        requests += 1
        if let network, !networks.contains(network), networks.count < Self.maximumNetworks {
            if !inTask || !established {
                networks.insert(network)
            } else if let since = pendingNetworks[network], now - since >= Self.pendingMinutes {
                networks.insert(network)
                pendingNetworks[network] = nil
            } else if pendingNetworks[network] == nil, pendingNetworks.count < Self.maximumNetworks {
                pendingNetworks[network] = now
            }
        }
        if audiences.count < Self.maximumAudiences { audiences.insert(audience) }
        maximumDepth = max(maximumDepth, depth)
        hours[hour] += 1
        if now == minute {
            countThisMinute += 1
        } else {
            if minute != 0 {
                // Minutes with no request count as zero (up to an hour of them).
                let idle = Int(min(60, max(0, now - minute - 1)))
                averagePerMinute = averagePerMinute * pow(0.9, Double(idle))
                averagePerMinute = 0.9 * averagePerMinute + 0.1 * Double(countThisMinute)
                minutesObserved += 1 + idle
            }
            minute = now
            countThisMinute = 1
        }
    }

    /// The network a source address belongs to: its /24 (IPv4) or /64 (IPv6).
    static func network(of address: String?) -> String? {
        guard let address = PeerAddress.normalized(address), !address.isEmpty else { return nil }
        if address.contains(":") {
            var bytes = in6_addr()
            guard inet_pton(AF_INET6, address, &bytes) == 1 else { return nil }
            let parts = withUnsafeBytes(of: &bytes) { Array($0.prefix(8)) }
            return parts.map { String(format: "%02x", $0) }.joined() + "::/64"
        }
        let octets = address.split(separator: ".")
        guard octets.count == 4 else { return nil }
        return octets.prefix(3).joined(separator: ".") + ".0/24"
    }
}
