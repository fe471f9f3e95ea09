/// Splits an HCL (or JSON) policy into tokens: quoted strings, bare words, numbers and punctuation, skipping
/// `#`, `//` and `/* */` comments. Refuses heredocs, unterminated strings and stray characters with their line.
struct HCLLexer {
    enum Kind: Equatable {
        case string(String)
        case word(String)
        case number(String)
        case punctuation(Character)
        case end
    }

    struct Token: Equatable {
        let kind: Kind
        let line: Int
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    mutating func tokens() throws(HCLPolicyReader.SyntaxError) -> [Token] {
        var result: [Token] = []
        while true {
            skipSpaceAndComments()
            guard index < scalars.count else {
                result.append(Token(kind: .end, line: line))
                return result
            }
            let scalar = scalars[index]
            let start = line
            switch scalar {
            case "\"":
                result.append(Token(kind: .string(try string()), line: start))
            case "{", "}", "[", "]", "=", ",", ":":
                index += 1
                result.append(Token(kind: .punctuation(Character(scalar)), line: start))
            case "<" where index + 1 < scalars.count && scalars[index + 1] == "<":
                throw HCLPolicyReader.SyntaxError(line: line, reason: "heredoc strings are not supported in a policy")
            default:
                if scalar.properties.isAlphabetic || scalar == "_" {
                    result.append(
                        Token(
                            kind: .word(
                                take { $0.properties.isAlphabetic || $0 == "_" || $0 == "-" || ("0"..."9").contains($0) }),
                            line: start))
                } else if ("0"..."9").contains(scalar) || scalar == "-" {
                    result.append(
                        Token(
                            kind: .number(take { ("0"..."9").contains($0) || "-+.eE".unicodeScalars.contains($0) }), line: start))
                } else {
                    throw HCLPolicyReader.SyntaxError(line: line, reason: "unexpected character '\(Character(scalar))'")
                }
            }
        }
    }

    private mutating func take(while accept: (Unicode.Scalar) -> Bool) -> String {
        var text = String.UnicodeScalarView()
        while index < scalars.count, accept(scalars[index]) {
            text.append(scalars[index])
            index += 1
        }
        return String(text)
    }

    private mutating func string() throws(HCLPolicyReader.SyntaxError) -> String {
        let start = line
        index += 1
        var text = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\"": return String(text)
            case "\n": throw HCLPolicyReader.SyntaxError(line: start, reason: "unterminated string")
            case "\\":
                guard index < scalars.count else { break }
                let escaped = scalars[index]
                index += 1
                switch escaped {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "\"", "\\", "/": text.append(escaped)
                default: throw HCLPolicyReader.SyntaxError(line: start, reason: "unknown escape \\\(Character(escaped))")
                }
            default: text.append(scalar)
            }
        }
        throw HCLPolicyReader.SyntaxError(line: start, reason: "unterminated string")
    }

    private mutating func skipSpaceAndComments() {
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" {
                line += 1
                index += 1
            } else if scalar == " " || scalar == "\t" || scalar == "\r" {
                index += 1
            } else if scalar == "#" || (scalar == "/" && next == "/") {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            } else if scalar == "/" && next == "*" {
                index += 2
                while index < scalars.count, !(scalars[index] == "*" && next == "/") {
                    if scalars[index] == "\n" { line += 1 }
                    index += 1
                }
                index = min(index + 2, scalars.count)
            } else {
                return
            }
        }
    }

    private var next: Unicode.Scalar? { index + 1 < scalars.count ? scalars[index + 1] : nil }
}
