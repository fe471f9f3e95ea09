/// Shannon entropy and character-class helpers for secret heuristics.
public enum Entropy {
    /// Bits of Shannon entropy per character of `value`.
    public static func shannon(_ value: Substring) -> Double {
        var counts: [UInt8: Int] = [:]
        var total = 0
        for byte in value.utf8 {
            counts[byte, default: 0] += 1
            total += 1
        }
        guard total > 0 else { return 0 }
        var entropy = 0.0
        for count in counts.values {
            let p = Double(count) / Double(total)
            entropy -= p * log2(p)
        }
        return entropy
    }

    /// Whether `value` is only hexadecimal digits.
    public static func isHex(_ value: Substring) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }

    /// How many character classes (lower, upper, digit, other) `value` uses.
    public static func classes(_ value: Substring) -> Int {
        var lower = false
        var upper = false
        var digit = false
        var other = false
        for byte in value.utf8 {
            switch byte {
            case 97...122: lower = true
            case 65...90: upper = true
            case 48...57: digit = true
            default: other = true
            }
        }
        return [lower, upper, digit, other].filter { $0 }.count
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
