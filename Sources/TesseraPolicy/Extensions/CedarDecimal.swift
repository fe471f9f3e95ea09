/// Parsing and printing of Cedar `decimal` values (fixed point, four fractional digits).
enum CedarDecimal {
    /// Parses `-?[0-9]+\.[0-9]{1,4}` into the value times 10^4, or returns an error reason.
    static func parse(_ text: String) -> Result<Int64, CedarError> {
        let bytes = Array(text.utf8)
        var i = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { i = 1 }
        let intStart = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        let intDigits = bytes[intStart..<i]
        guard !intDigits.isEmpty, i < bytes.count, bytes[i] == UInt8(ascii: ".") else {
            return .failure(CedarError(.evaluation, "`\(text)` is not a well-formed decimal value"))
        }
        i += 1
        let fracDigits = bytes[i...]
        guard !fracDigits.isEmpty, fracDigits.allSatisfy(isDigit) else {
            return .failure(CedarError(.evaluation, "`\(text)` is not a well-formed decimal value"))
        }
        guard fracDigits.count <= 4 else {
            return .failure(CedarError(.evaluation, "too many digits after the decimal in `\(text)`"))
        }
        var intValue: Int64 = 0
        for d in intDigits {
            let (m, o1) = intValue.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d - 48))
            if o1 || o2 { return overflow(text) }
            intValue = a
        }
        var frac: Int64 = 0
        for d in fracDigits { frac = frac * 10 + Int64(d - 48) }
        for _ in fracDigits.count..<4 { frac *= 10 }
        let (scaled, o3) = intValue.multipliedReportingOverflow(by: 10_000)
        if o3 { return overflow(text) }
        if negative {
            let (neg, o4) = Int64(0).subtractingReportingOverflow(scaled)
            let (v, o5) = neg.subtractingReportingOverflow(frac)
            return o4 || o5 ? overflow(text) : .success(v)
        }
        let (v, o6) = scaled.addingReportingOverflow(frac)
        return o6 ? overflow(text) : .success(v)
    }

    /// Formats a scaled decimal with exactly four fractional digits.
    static func format(_ v: Int64) -> String {
        let mag = v.magnitude
        let intPart = mag / 10_000
        let frac = String(mag % 10_000)
        return (v < 0 ? "-" : "") + "\(intPart)." + String(repeating: "0", count: 4 - frac.count) + frac
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    private static func overflow(_ text: String) -> Result<Int64, CedarError> {
        .failure(CedarError(.evaluation, "overflow when converting `\(text)` to decimal"))
    }
}
