import Foundation

/// Finds JSON numbers that an IEEE double cannot hold apart. Tool-call arguments are digested after parsing into
/// doubles, so two different numbers that round to the same double (`…992` and `…993` above 2^53) would share an
/// approval; such numbers are refused instead. A number is exact here when it is an integer of magnitude at most
/// 2^53, or has at most 15 significant decimal digits in the normal double range (DBL_DIG: such decimals map to
/// distinct doubles).
enum ExactJSONNumbers {
    /// The first number literal in `json` that is not exact, or `nil`. Strings are skipped.
    static func firstInexact(in json: Data) -> String? {
        let bytes = [UInt8](json)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                index += 1
            } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                var end = index
                while end < bytes.count, Self.numberBytes.contains(bytes[end]) { end += 1 }
                let literal = String(decoding: bytes[index..<end], as: UTF8.self)
                if !isExact(literal) { return literal }
                index = end
            } else {
                index += 1
            }
        }
        return nil
    }

    private static let numberBytes = Set("0123456789+-.eE".utf8)

    static func isExact(_ literal: String) -> Bool {
        guard let value = Double(literal), value.isFinite else { return false }
        let unsigned = literal.hasPrefix("-") ? literal.dropFirst() : Substring(literal)
        if !unsigned.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            // An integer: exact while it is an integer a double holds.
            guard let integer = Int64(unsigned) else { return false }
            return integer <= 9_007_199_254_740_992
        }
        let mantissa = unsigned.prefix { $0 != "e" && $0 != "E" }.filter { $0 != "." }
        let significant = mantissa.drop { $0 == "0" }.reversed().drop { $0 == "0" }
        if significant.isEmpty { return value == 0 }
        return significant.count <= 15 && abs(value) >= Double.leastNormalMagnitude
    }
}
