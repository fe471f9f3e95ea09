import Foundation

/// The caller's IP address as every decision sees it (audit `source`, Cedar `context.sourceIP`, risk baselines).
enum PeerAddress {
    /// `address` with an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack listener reports for an IPv4
    /// client) written as the IPv4 address it is; anything else unchanged.
    static func normalized(_ address: String?) -> String? {
        guard let address, address.contains(":") else { return address }
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        let octets = withUnsafeBytes(of: &bytes) { Array($0) }
        guard octets.prefix(10).allSatisfy({ $0 == 0 }), octets[10] == 0xFF, octets[11] == 0xFF else { return address }
        return octets[12...].map(String.init).joined(separator: ".")
    }
}
