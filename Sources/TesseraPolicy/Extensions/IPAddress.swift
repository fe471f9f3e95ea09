/// A Cedar `ipaddr` value: an IPv4 or IPv6 address with a CIDR prefix length.
///
/// Parsing follows Cedar: dotted-quad IPv4 without leading zeros, standard IPv6 text
/// (with `::`), an optional `/prefix` without leading zeros, no IPv4-embedded-in-IPv6,
/// at most 43 characters.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// True for IPv6.
    public let isV6: Bool
    /// The address bits (IPv4 uses the low 32 bits).
    public let bits: UInt128
    /// The prefix length (32 or 128 for a single address).
    public let prefix: UInt8

    /// Parses an address or CIDR range; returns nil when malformed.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count <= 43 else { return nil }
        if bytes.count(where: { $0 == UInt8(ascii: ":") }) >= 2 && bytes.count(where: { $0 == UInt8(ascii: ".") }) >= 2 {
            return nil
        }
        let addrPart: ArraySlice<UInt8>
        var prefixPart: ArraySlice<UInt8>?
        if let slash = bytes.firstIndex(of: UInt8(ascii: "/")) {
            addrPart = bytes[..<slash]
            prefixPart = bytes[(slash + 1)...]
        } else {
            addrPart = bytes[...]
        }
        if let v4 = IPAddress.parseV4(addrPart) {
            isV6 = false
            bits = UInt128(v4)
        } else if let v6 = IPAddress.parseV6(addrPart) {
            isV6 = true
            bits = v6
        } else {
            return nil
        }
        let maxPrefix: UInt8 = isV6 ? 128 : 32
        if let p = prefixPart {
            guard !p.isEmpty, p.count <= (isV6 ? 3 : 2), p.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            if p.first == UInt8(ascii: "0") && p.count > 1 { return nil }
            let value = p.reduce(0) { $0 * 10 + Int($1 - 48) }
            guard value <= Int(maxPrefix) else { return nil }
            prefix = UInt8(value)
        } else {
            prefix = maxPrefix
        }
    }

    private static func parseV4(_ s: ArraySlice<UInt8>) -> UInt32? {
        var parts: [UInt32] = []
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for b in s {
            if b == UInt8(ascii: ".") {
                guard digits > 0 else { return nil }
                parts.append(current)
                current = 0
                digits = 0
                leadingZero = false
            } else if b >= 48 && b <= 57 {
                if digits == 1 && leadingZero { return nil }
                if digits == 0 && b == 48 { leadingZero = true }
                digits += 1
                guard digits <= 3 else { return nil }
                current = current * 10 + UInt32(b - 48)
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        parts.append(current)
        guard parts.count == 4 else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }

    private static func parseGroups(_ s: ArraySlice<UInt8>) -> [UInt16]? {
        if s.isEmpty { return [] }
        var groups: [UInt16] = []
        for piece in s.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            guard !piece.isEmpty, piece.count <= 4 else { return nil }
            var v: UInt16 = 0
            for b in piece {
                guard let h = hexValue(b) else { return nil }
                v = v << 4 | UInt16(h)
            }
            groups.append(v)
        }
        return groups
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 97...102: b - 87
        case 65...70: b - 55
        default: nil
        }
    }

    private static func parseV6(_ s: ArraySlice<UInt8>) -> UInt128? {
        let colon = UInt8(ascii: ":")
        var groups: [UInt16]
        var i = s.startIndex
        var found: Int? = nil
        while i + 1 < s.endIndex {
            if s[i] == colon && s[i + 1] == colon {
                found = i
                break
            }
            i += 1
        }
        if let d = found {
            guard let head = parseGroups(s[s.startIndex..<d]), let tail = parseGroups(s[(d + 2)...]) else { return nil }
            guard head.count + tail.count <= 7 else { return nil }
            groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = parseGroups(s), all.count == 8 else { return nil }
            groups = all
        }
        return groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    /// `isIpv4()`.
    public var isIPv4: Bool { !isV6 }

    /// `isLoopback()`: 127.0.0.0/8 (prefix ≥ 8) or ::1 (prefix 128).
    public var isLoopback: Bool {
        isV6 ? (bits == 1 && prefix >= 128) : ((bits >> 24) == 127 && prefix >= 8)
    }

    /// `isMulticast()`: 224.0.0.0/4 (prefix ≥ 4) or ff00::/8 (prefix ≥ 8).
    public var isMulticast: Bool {
        isV6 ? ((bits >> 120) == 0xff && prefix >= 8) : ((bits >> 28) == 0xE && prefix >= 4)
    }

    /// `isInRange(other)`: whether this range lies within `other`.
    public func isInRange(_ other: IPAddress) -> Bool {
        guard isV6 == other.isV6 else { return false }
        let width: UInt8 = isV6 ? 128 : 32
        let full: UInt128 = isV6 ? .max : UInt128(UInt32.max)
        func netmask(_ p: UInt8) -> UInt128 { p == 0 ? 0 : (full << UInt128(width - p)) & full }
        func hostmask(_ p: UInt8) -> UInt128 { p >= width ? 0 : full >> UInt128(p) }
        let selfNet = bits & netmask(prefix)
        let otherNet = other.bits & netmask(other.prefix)
        let selfBroadcast = bits | hostmask(prefix)
        let otherBroadcast = other.bits | hostmask(other.prefix)
        return otherNet <= selfNet && selfBroadcast <= otherBroadcast
    }

    public var description: String {
        if !isV6 {
            let v = UInt32(truncatingIfNeeded: bits)
            return "\(v >> 24).\(v >> 16 & 255).\(v >> 8 & 255).\(v & 255)/\(prefix)"
        }
        let groups = (0..<8).map { String(UInt16(truncatingIfNeeded: bits >> UInt128(112 - 16 * $0)), radix: 16) }
        return groups.joined(separator: ":") + "/\(prefix)"
    }
}
