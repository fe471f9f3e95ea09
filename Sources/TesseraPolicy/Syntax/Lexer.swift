/// Splits Cedar policy or schema text into tokens with 1-based line/column positions.
struct Lexer {
    private let bytes: [UInt8]
    /// In schema mode `?` is punctuation (optional attributes) rather than a slot prefix.
    private let schemaMode: Bool

    init(_ text: String, schemaMode: Bool = false) {
        bytes = Array(text.utf8)
        self.schemaMode = schemaMode
    }

    /// Tokenizes the whole input, failing on the first malformed token.
    func tokenize() throws(CedarError) -> [Token] {
        guard bytes.count <= CedarLimits.maxInputBytes else {
            throw CedarError(.limit, "input of \(bytes.count) bytes exceeds the limit of \(CedarLimits.maxInputBytes)")
        }
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 3)
        var i = 0
        var line = 1
        var lineStart = 0
        let n = bytes.count
        while true {
            // Skip whitespace and comments.
            while i < n {
                let c = bytes[i]
                if c == 10 {
                    line += 1
                    i += 1
                    lineStart = i
                } else if c == 32 || c == 9 || c == 13 {
                    i += 1
                } else if c == UInt8(ascii: "/") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "/") {
                    while i < n && bytes[i] != 10 { i += 1 }
                } else {
                    break
                }
            }
            let loc = SourceLocation(line: line, column: i - lineStart + 1)
            guard i < n else {
                tokens.append(Token(kind: .eof, location: loc))
                return tokens
            }
            let c = bytes[i]
            if Lexer.isIdentStart(c) {
                let start = i
                while i < n && Lexer.isIdentContinue(bytes[i]) { i += 1 }
                tokens.append(Token(kind: .identifier(String(decoding: bytes[start..<i], as: UTF8.self)), location: loc))
            } else if c >= 48 && c <= 57 {
                let start = i
                while i < n && bytes[i] >= 48 && bytes[i] <= 57 { i += 1 }
                tokens.append(Token(kind: .number(String(decoding: bytes[start..<i], as: UTF8.self)), location: loc))
            } else if c == UInt8(ascii: "\"") {
                i += 1
                let start = i
                var closed = false
                while i < n {
                    let d = bytes[i]
                    if d == UInt8(ascii: "\\") {
                        i += 2
                        continue
                    }
                    if d == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    if d == 10 {
                        line += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                guard closed, i <= n else { throw CedarError(.parse, "unterminated string literal", at: loc) }
                let raw = bytes[start..<i]
                guard let s = String(validating: raw, as: UTF8.self) else {
                    throw CedarError(.parse, "string literal is not valid UTF-8", at: loc)
                }
                tokens.append(Token(kind: .string(s), location: loc))
                i += 1
            } else if c == UInt8(ascii: "?") && !schemaMode {
                i += 1
                let start = i
                while i < n && Lexer.isIdentContinue(bytes[i]) { i += 1 }
                guard i > start else { throw CedarError(.parse, "expected a slot name after `?`", at: loc) }
                tokens.append(Token(kind: .slot(String(decoding: bytes[start..<i], as: UTF8.self)), location: loc))
            } else {
                let two = i + 1 < n ? String(decoding: bytes[i...(i + 1)], as: UTF8.self) : ""
                if ["==", "!=", "<=", ">=", "&&", "||", "::"].contains(two) {
                    tokens.append(Token(kind: .punct(two), location: loc))
                    i += 2
                } else if let p = Lexer.singles[c] {
                    tokens.append(Token(kind: .punct(p), location: loc))
                    i += 1
                } else {
                    let shown = c < 128 ? String(UnicodeScalar(c)) : "non-ASCII byte"
                    throw CedarError(.parse, "unexpected character `\(shown)`", at: loc)
                }
            }
        }
    }

    private static let singles: [UInt8: String] = {
        var m: [UInt8: String] = [:]
        for ch in "(){}[],;:.=<>!-+*/%@|&?" { m[UInt8(ascii: ch.unicodeScalars.first!)] = String(ch) }
        return m
    }()

    static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    static func isIdentContinue(_ c: UInt8) -> Bool {
        isIdentStart(c) || (c >= 48 && c <= 57)
    }
}
