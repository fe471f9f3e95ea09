import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which network addresses the server may contact when it fetches issuer discovery documents, JWK Sets and
/// token responses (server-side request forgery defence).
///
/// By default only public unicast addresses are reached: loopback, private (RFC 1918, CGNAT, ULA), link-local
/// (including the cloud metadata address `169.254.169.254`), multicast, unspecified, documentation and other
/// special-purpose ranges are refused, IPv4 and IPv6 alike, including IPv4 addresses embedded in IPv6
/// (v4-mapped, NAT64, 6to4). The check is made on the address actually connected to, after DNS resolution.
public struct FederationNetworkPolicy: Sendable, Equatable {
    /// Reach every address, private and loopback included (`--federation-allow-private-networks`: tests,
    /// IdPs inside a closed network).
    public var allowPrivateNetworks: Bool = false
    /// Networks reachable even though they are special-purpose (`--federation-allow-network 10.1.0.0/16`).
    public var allowedNetworks: [IPNetwork] = []

    public init(allowPrivateNetworks: Bool = false, allowedNetworks: [IPNetwork] = []) {
        self.allowPrivateNetworks = allowPrivateNetworks
        self.allowedNetworks = allowedNetworks
    }

    /// Whether connecting to `address` is allowed.
    public func permits(_ address: IPAddress) -> Bool {
        if allowPrivateNetworks { return true }
        if allowedNetworks.contains(where: { $0.contains(address) }) { return true }
        return !address.isSpecialPurpose
    }

    /// Why a URL's host may not be fetched, judged before any DNS lookup: an IP literal (or `localhost`) in a
    /// refused range. `nil` when the host is a name (its addresses are checked when connecting) or allowed.
    public func refusal(forHost host: String) -> String? {
        // `127.0.0.1.` and `localhost.` (a trailing dot) and `fe80::1%lo` (a zone) name the same addresses.
        var bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if let zone = bare.firstIndex(of: "%") { bare = String(bare[..<zone]) }
        while bare.hasSuffix(".") { bare.removeLast() }
        let address =
            bare == "localhost" || bare.hasSuffix(".localhost")
            ? IPAddress(parsing: "127.0.0.1") : IPAddress(parsing: bare) ?? IPAddress(legacyIPv4: bare)
        guard let address, !permits(address) else { return nil }
        return "the host is a loopback, private, link-local or other special-purpose address"
            + " (allow it with --federation-allow-private-networks or --federation-allow-network)"
    }
}

/// An IPv4 or IPv6 address as bytes (4 or 16).
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses dotted IPv4 or textual IPv6 (no brackets, no zone).
    public init?(parsing text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
    }

    /// The IPv4 forms the resolver also accepts (`inet_aton`): `2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`.
    /// A URL host written so names the same address as its dotted form and is judged as that address.
    public init?(legacyIPv4 text: String) {
        guard !text.isEmpty, text.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }) else { return nil }
        var v4 = in_addr()
        guard inet_aton(text, &v4) != 0 else { return nil }
        self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    /// Loopback, private, link-local, multicast, unspecified, reserved and documentation ranges (IANA special-purpose
    /// registries), and IPv6 forms that embed such an IPv4 address.
    public var isSpecialPurpose: Bool {
        if bytes.count == 4 { return Self.specialV4.contains { $0.contains(self) } }
        // v4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address: judge that address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF
            || bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        {
            return IPAddress(bytes: Array(bytes[12..<16]))?.isSpecialPurpose ?? true
        }
        // 6to4 (2002:a.b.c.d::/48) embeds an IPv4 address too.
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return IPAddress(bytes: Array(bytes[2..<6]))?.isSpecialPurpose ?? true }
        return Self.specialV6.contains { $0.contains(self) }
    }

    private static let specialV4: [IPNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4",
    ].compactMap(IPNetwork.init(parsing:))

    private static let specialV6: [IPNetwork] = [
        "::/96", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "fc00::/7", "fe80::/10",
        "fec0::/10", "ff00::/8",
    ].compactMap(IPNetwork.init(parsing:))
}

/// A CIDR block, e.g. `10.0.0.0/8` or `fd00::/8`.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `address/prefix`; a bare address is a single host.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = IPAddress(parsing: first) else { return nil }
        let bits = address.bytes.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : bits
        guard let length, (0...bits).contains(length) else { return nil }
        self.address = address
        self.prefixLength = length
    }

    public var description: String { "\(address)/\(prefixLength)" }

    public func contains(_ other: IPAddress) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<address.bytes.count where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard address.bytes[index] & mask == other.bytes[index] & mask else { return false }
            remaining -= 8
        }
        return true
    }
}
