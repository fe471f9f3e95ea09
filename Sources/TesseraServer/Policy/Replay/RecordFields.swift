/// Reads the few fields replay needs straight from a record's canonical body (written by `AuditRecordContent`:
/// sorted keys, no whitespace, string values with escaped quotes) without parsing the whole document. A raw `"name":`
/// only occurs as a key, never inside a string value; `details` precedes every other top-level key, so the last
/// occurrence of a top-level key is the top-level one and the first occurrence of a details key is in `details`.
enum RecordFields {
    /// A top-level string field (`time`, `type`, `subject`, `actor`).
    static func topLevel(_ pattern: StaticString, in body: String) -> String? {
        ByteSearch.endOfLast(pattern, in: body).flatMap { string(from: $0, in: body) }
    }

    /// A details string field (`policy_version`, `decision_input`).
    static func detail(_ pattern: StaticString, in body: String) -> String? {
        ByteSearch.endOfFirst(pattern, in: body).flatMap { string(from: $0, in: body) }
    }

    /// The JSON string starting at `offset` (just after its opening quote), unescaped.
    static func string(from offset: Int, in body: String) -> String? {
        var body = body
        return body.withUTF8 { bytes -> String? in
            var end = offset
            var escaped = false
            while end < bytes.count {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    end += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { break }
                end += 1
            }
            guard end < bytes.count else { return nil }
            let raw = UnsafeBufferPointer(rebasing: bytes[offset..<end])
            guard escaped else { return String(decoding: raw, as: UTF8.self) }
            return unescape(raw)
        }
    }

    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        var pendingHigh: UInt32?
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                out.append(byte)
                index += 1
                continue
            }
            let code = raw[index + 1]
            index += 2
            switch code {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard index + 4 <= raw.count,
                    let unit = UInt32(
                        String(decoding: UnsafeBufferPointer(rebasing: raw[index..<index + 4]), as: UTF8.self), radix: 16)
                else { return nil }
                index += 4
                var scalarValue = unit
                if (0xD800..<0xDC00).contains(unit) {
                    pendingHigh = unit
                    continue
                }
                if (0xDC00..<0xE000).contains(unit), let high = pendingHigh {
                    scalarValue = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                }
                pendingHigh = nil
                guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: out.append(code)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
