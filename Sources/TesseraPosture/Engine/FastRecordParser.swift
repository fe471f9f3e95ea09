/// A minimal parser for audit record bodies (canonical JSON written by `AuditRecord.make`): reads the fields
/// posture needs in one pass over the bytes. Returns `nil` on anything it does not fully understand (escapes,
/// unexpected shapes), and the caller falls back to `JSONDecoder` — so it is only ever a fast path.
struct FastRecordParser {
    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func parse(_ body: String) -> PostureRecordView? {
        var parser = FastRecordParser(Array(body.utf8))
        return parser.record()
    }

    private enum Value {
        case string(String)
        case number(Int64)
        case strings([String])
        case null
        case other
    }

    private mutating func record() -> PostureRecordView? {
        var seq: Int64?
        var time: String?
        var type: String?
        var subject: String?
        var details = PostureRecordView.Details(scope: nil, source: nil, aud: nil, exp: nil, act: nil)
        guard take(123) else { return nil }
        while true {
            guard let key = string(), take(58) else { return nil }
            if key == "details" {
                guard let parsed = detailsObject() else { return nil }
                details = parsed
            } else {
                guard let value = value() else { return nil }
                switch (key, value) {
                case ("seq", .number(let n)): seq = n
                case ("time", .string(let s)): time = s
                case ("type", .string(let s)): type = s
                case ("subject", .string(let s)): subject = s
                default: break
                }
            }
            if take(44) { continue }
            guard take(125) else { return nil }
            break
        }
        guard let seq, let time, let type else { return nil }
        return PostureRecordView(seq: seq, time: time, type: type, subject: subject, details: details)
    }

    private mutating func detailsObject() -> PostureRecordView.Details? {
        var scope: [String]?, source: String?, aud: String?, exp: Int64?, act: [String]?
        guard take(123) else { return nil }
        if take(125) { return PostureRecordView.Details(scope: nil, source: nil, aud: nil, exp: nil, act: nil) }
        while true {
            guard let key = string(), take(58), let value = value() else { return nil }
            switch (key, value) {
            case ("scope", .strings(let list)): scope = list
            case ("act", .strings(let list)): act = list
            case ("source", .string(let s)): source = s
            case ("aud", .string(let s)): aud = s
            case ("exp", .number(let n)): exp = n
            default: break
            }
            if take(44) { continue }
            guard take(125) else { return nil }
            return PostureRecordView.Details(scope: scope, source: source, aud: aud, exp: exp, act: act)
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func value() -> Value? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case 34: return string().map(Value.string)
        case 91:
            index += 1
            var list: [String] = []
            if take(93) { return .strings(list) }
            while true {
                guard let item = string() else { return nil }
                list.append(item)
                if take(44) { continue }
                return take(93) ? .strings(list) : nil
            }
        case 110:
            guard index + 4 <= bytes.count, bytes[index + 1] == 117, bytes[index + 2] == 108, bytes[index + 3] == 108 else { return nil }
            index += 4
            return .null
        case 116, 102:
            let word = bytes[index] == 116 ? 4 : 5
            guard index + word <= bytes.count else { return nil }
            index += word
            return .other
        case 45, 48...57:
            var negative = false
            if bytes[index] == 45 { negative = true; index += 1 }
            var number: Int64 = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, digits < 18 {
                number = number * 10 + Int64(bytes[index] - 48)
                index += 1
                digits += 1
            }
            guard digits > 0, index < bytes.count, bytes[index] != 46, bytes[index] != 101, bytes[index] != 69,
                !(bytes[index] >= 48 && bytes[index] <= 57)
            else { return nil }
            return .number(negative ? -number : number)
        default:
            return nil
        }
    }

    /// A string without escapes (any backslash sends the caller to the full decoder).
    private mutating func string() -> String? {
        guard take(34) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 92 { return nil }
            if byte == 34 {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            index += 1
        }
        return nil
    }
}
