/// Writes the canonical JSON of a `DecisionInput` into one byte buffer: sorted keys, sets in the order of their
/// elements' encodings, `__entity` / `__extn` escapes.
struct DecisionInputWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x0A:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "n"))
            case 0x0D:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "r"))
            case 0x09:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                raw("\\u00")
                hex.withUTF8Buffer { digits in
                    bytes.append(digits[Int(byte >> 4)])
                    bytes.append(digits[Int(byte & 0xF)])
                }
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func uid(_ uid: EntityUID) {
        raw("{\"id\":")
        string(uid.id)
        raw(",\"type\":")
        string(uid.type)
        raw("}")
    }

    mutating func entities(_ entities: [Entity]) {
        raw("[")
        for (index, entity) in entities.enumerated() {
            if index > 0 { raw(",") }
            raw("{\"attrs\":")
            record(entity.attributes)
            raw(",\"parents\":")
            sorted(
                entity.parents.map { parent in
                    var writer = DecisionInputWriter()
                    writer.uid(parent)
                    return writer.bytes
                })
            if !entity.tags.isEmpty {
                raw(",\"tags\":")
                record(entity.tags)
            }
            raw(",\"uid\":")
            uid(entity.uid)
            raw("}")
        }
        raw("]")
    }

    mutating func record(_ fields: [String: Value]) {
        raw("{")
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { raw(",") }
            string(key)
            raw(":")
            value(fields[key]!)
        }
        raw("}")
    }

    /// A JSON array of already-encoded elements, in byte order (one canonical text per set).
    private mutating func sorted(_ elements: [[UInt8]]) {
        raw("[")
        for (index, element) in elements.sorted(by: { $0.lexicographicallyPrecedes($1) }).enumerated() {
            if index > 0 { raw(",") }
            bytes.append(contentsOf: element)
        }
        raw("]")
    }

    mutating func value(_ value: Value) {
        switch value {
        case .bool(let flag): flag ? raw("true") : raw("false")
        case .long(let number): bytes.append(contentsOf: String(number).utf8)
        case .string(let text): string(text)
        case .entity(let uid):
            raw("{\"__entity\":")
            self.uid(uid)
            raw("}")
        case .set(let items):
            sorted(
                items.map { item in
                    var writer = DecisionInputWriter()
                    writer.value(item)
                    return writer.bytes
                })
        case .record(let fields): record(fields)
        case .ext(let ext):
            raw("{\"__extn\":{\"arg\":")
            switch ext {
            case .ipaddr(let address): string(address.description)
            case .decimal(let number): string(CedarDecimal.format(number))
            case .datetime(let milliseconds): string(CedarInstant.format(milliseconds: milliseconds))
            case .duration(let milliseconds): string("\(milliseconds)ms")
            }
            switch ext {
            case .ipaddr: raw(",\"fn\":\"ip\"}}")
            case .decimal: raw(",\"fn\":\"decimal\"}}")
            case .datetime: raw(",\"fn\":\"datetime\"}}")
            case .duration: raw(",\"fn\":\"duration\"}}")
            }
        }
    }
}
