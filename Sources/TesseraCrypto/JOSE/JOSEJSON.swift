/// A strict JSON reader for JOSE headers and JWT claim sets (RFC 8259), used instead of Foundation's `JSONDecoder` on
/// the token path: one pass over the bytes, no `Codable` machinery.
///
/// Stricter than a general parser where JOSE asks for it: a duplicate member name is refused (RFC 7515 §5.2, RFC 7519
/// §4: a parser must refuse or take the last; refusing leaves no room for two readers disagreeing), nesting is bounded,
/// invalid UTF-8, unescaped control characters, lone surrogates, NUL characters (no JOSE value carries one, and
/// SQLite would cut a stored string there), leading zeros and trailing content are refused.
///
/// Member names are kept and compared as their UTF-8 bytes (RFC 8259 §8.3 compares names code unit by code unit):
/// hashing them as Swift `String`s would normalise them first, and a name made of a long run of combining marks made
/// each token cost a hundred milliseconds before its signature was checked (attacker review).
public enum JOSEJSON: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JOSEJSON])
    case object(JOSEMembers)

    /// Deepest nesting of arrays and objects accepted (an `act` chain of `ActorChain.maximumDepth` fits).
    public static let maximumDepth = 32

    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    public static func parse(_ bytes: some Collection<UInt8>) throws(TesseraCryptoError) -> JOSEJSON {
        let buffer = Array(bytes)
        var reader = Reader(bytes: buffer)
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == buffer.count else { throw Reader.failure("trailing content after the JSON value") }
        return value
    }

    /// The members of an object, or nil for any other value.
    public var members: JOSEMembers? {
        if case .object(let members) = self { return members }
        return nil
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        static func failure(_ reason: String) -> TesseraCryptoError { TesseraCryptoError(.malformedJWS, reason) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(TesseraCryptoError) -> JOSEJSON {
            skipWhitespace()
            guard index < bytes.count else { throw Self.failure("JSON ends where a value was expected") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw Self.failure("unexpected character in JSON")
            }
        }

        mutating func literal(_ word: String) throws(TesseraCryptoError) {
            let expected = word.utf8
            guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
                throw Self.failure("unexpected literal in JSON")
            }
            index += expected.count
        }

        mutating func object(depth: Int) throws(TesseraCryptoError) -> JOSEJSON {
            guard depth <= JOSEJSON.maximumDepth else { throw Self.failure("JSON nests too deep") }
            index += 1
            var members: [[UInt8]: JOSEJSON] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(JOSEMembers(members))
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw Self.failure("JSON object member names must be strings")
                }
                let name = try stringBytes()
                _ = try Self.text(name)  // refused unless valid UTF-8; kept as bytes (JOSEMembers)
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw Self.failure("expected ':' in JSON object")
                }
                index += 1
                let member = try value(depth: depth)
                guard members.updateValue(member, forKey: name) == nil else {
                    throw Self.failure("duplicate member name in JSON object")
                }
                skipWhitespace()
                guard index < bytes.count else { throw Self.failure("JSON ends inside an object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(JOSEMembers(members))
                } else {
                    throw Self.failure("expected ',' or '}' in JSON object")
                }
            }
        }

        mutating func array(depth: Int) throws(TesseraCryptoError) -> JOSEJSON {
            guard depth <= JOSEJSON.maximumDepth else { throw Self.failure("JSON nests too deep") }
            index += 1
            var elements: [JOSEJSON] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try value(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw Self.failure("JSON ends inside an array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                } else {
                    throw Self.failure("expected ',' or ']' in JSON array")
                }
            }
        }

        /// A string literal starting at the opening quote.
        /// A string literal starting at the opening quote, validated as UTF-8 once.
        mutating func string() throws(TesseraCryptoError) -> String {
            try Self.text(try stringBytes())
        }

        /// The unescaped bytes of a string literal starting at the opening quote (not yet validated as UTF-8).
        mutating func stringBytes() throws(TesseraCryptoError) -> [UInt8] {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = Array(bytes[start..<index])
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw Self.failure("unescaped control character in a JSON string") }
                index += 1
            }
            var unescaped = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return unescaped
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw Self.failure("JSON ends inside an escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
                    case UInt8(ascii: "b"): unescaped.append(0x08)
                    case UInt8(ascii: "f"): unescaped.append(0x0C)
                    case UInt8(ascii: "n"): unescaped.append(0x0A)
                    case UInt8(ascii: "r"): unescaped.append(0x0D)
                    case UInt8(ascii: "t"): unescaped.append(0x09)
                    case UInt8(ascii: "u"): unescaped.append(contentsOf: try unicodeEscape())
                    default: throw Self.failure("invalid escape in a JSON string")
                    }
                default:
                    guard byte >= 0x20 else { throw Self.failure("unescaped control character in a JSON string") }
                    unescaped.append(byte)
                    index += 1
                }
            }
            throw Self.failure("JSON ends inside a string")
        }

        /// The UTF-8 bytes of a `\uXXXX` escape (after the `u`), joining a surrogate pair.
        mutating func unicodeEscape() throws(TesseraCryptoError) -> [UInt8] {
            let high = try hex4()
            var scalarValue = UInt32(high)
            if (0xD800...0xDBFF).contains(high) {
                guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw Self.failure("lone surrogate in a JSON string") }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw Self.failure("lone surrogate in a JSON string") }
                scalarValue = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(high) {
                throw Self.failure("lone surrogate in a JSON string")
            }
            guard scalarValue != 0 else { throw Self.failure("NUL character in a JSON string") }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw Self.failure("invalid \\u escape in a JSON string") }
            return Array(String(Character(scalar)).utf8)
        }

        mutating func hex4() throws(TesseraCryptoError) -> UInt16 {
            guard index + 4 <= bytes.count else { throw Self.failure("JSON ends inside a \\u escape") }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Self.failure("invalid \\u escape in a JSON string")
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }

        /// The string of `bytes`, refused unless they are valid UTF-8.
        static func text(_ bytes: [UInt8]) throws(TesseraCryptoError) -> String {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("a JSON string is not valid UTF-8") }
            return text
        }

        /// A number per RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        mutating func number() throws(TesseraCryptoError) -> Double {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw Self.failure("JSON ends inside a number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                guard digits() > 0 else { throw Self.failure("invalid number in JSON") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw Self.failure("invalid number in JSON") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw Self.failure("invalid number in JSON") }
            }
            guard index - start <= 64, let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)),
                value.isFinite
            else { throw Self.failure("number out of range in JSON") }
            return value
        }

        mutating func digits() -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - start
        }
    }
}
