/// Processing of escape sequences inside Cedar string literals and `like` patterns.
enum StringEscapes {
    /// One element of a `like` pattern.
    enum PatternPiece: Sendable, Hashable {
        case char(Unicode.Scalar)
        case wildcard
    }

    /// Unescapes a string literal (`\n \r \t \\ \0 \' \" \xHH \u{H..}`).
    static func unescape(_ raw: String, at loc: SourceLocation) throws(CedarError) -> String {
        if !raw.contains("\\") { return raw }
        var out = String.UnicodeScalarView()
        for piece in try scan(raw, pattern: false, at: loc) {
            if case .char(let c) = piece { out.append(c) }
        }
        return String(out)
    }

    /// Parses a `like` pattern: `*` is a wildcard, `\*` a literal star.
    static func pattern(_ raw: String, at loc: SourceLocation) throws(CedarError) -> [PatternPiece] {
        try scan(raw, pattern: true, at: loc)
    }

    private static func scan(_ raw: String, pattern: Bool, at loc: SourceLocation) throws(CedarError) -> [PatternPiece] {
        var result: [PatternPiece] = []
        let scalars = Array(raw.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "*" && pattern {
                result.append(.wildcard)
                i += 1
                continue
            }
            guard c == "\\" else {
                result.append(.char(c))
                i += 1
                continue
            }
            guard i + 1 < scalars.count else { throw CedarError(.parse, "invalid escape at end of string", at: loc) }
            let e = scalars[i + 1]
            i += 2
            switch e {
            case "n": result.append(.char("\n"))
            case "r": result.append(.char("\r"))
            case "t": result.append(.char("\t"))
            case "\\": result.append(.char("\\"))
            case "0": result.append(.char("\0"))
            case "'": result.append(.char("'"))
            case "\"": result.append(.char("\""))
            case "*" where pattern: result.append(.char("*"))
            case "x":
                guard i + 1 < scalars.count, let hi = hex(scalars[i]), let lo = hex(scalars[i + 1]), hi <= 7 else {
                    throw CedarError(.parse, "invalid \\x escape in string literal", at: loc)
                }
                result.append(.char(Unicode.Scalar(UInt8(hi * 16 + lo))))
                i += 2
            case "u":
                guard i < scalars.count, scalars[i] == "{" else {
                    throw CedarError(.parse, "invalid \\u escape in string literal", at: loc)
                }
                var j = i + 1
                var value: UInt32 = 0
                var digits = 0
                while j < scalars.count, let h = hex(scalars[j]) {
                    value = value * 16 + UInt32(h)
                    digits += 1
                    j += 1
                    if digits > 6 { break }
                }
                guard digits >= 1, digits <= 6, j < scalars.count, scalars[j] == "}", let scalar = Unicode.Scalar(value) else {
                    throw CedarError(.parse, "invalid \\u escape in string literal", at: loc)
                }
                result.append(.char(scalar))
                i = j + 1
            default:
                throw CedarError(.parse, "invalid escape `\\\(e)` in string literal", at: loc)
            }
        }
        return result
    }

    private static func hex(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 48...57: c.value - 48
        case 97...102: c.value - 87
        case 65...70: c.value - 55
        default: nil
        }
    }
}
