import Foundation
import TesseraCore

/// A JSON value from an OpenBao/Vault answer, read leniently (a field of the wrong type reads as absent) so a
/// server version that adds or retypes a field does not stop discovery.
public indirect enum OpenBaoValue: Sendable, Equatable, Decodable {
    case object([String: OpenBaoValue])
    case array([OpenBaoValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([OpenBaoValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: OpenBaoValue].self))
        }
    }

    /// Decodes a response body; `nil` when it is not JSON.
    public static func parse(_ data: Data) -> OpenBaoValue? { try? JSONDecoder().decode(OpenBaoValue.self, from: data) }

    /// The member `key` of an object (`.null` when absent or not an object).
    public subscript(key: String) -> OpenBaoValue {
        if case .object(let members) = self { return members[key] ?? .null }
        return .null
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A whole number, also from a numeric string (`"3600"`).
    public var int: Int? {
        switch self {
        case .number(let value) where value.rounded() == value && abs(value) < 9e15: return Int(value)
        case .string(let text): return Int(text)
        default: return nil
        }
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// An array of strings (non-strings dropped); `[]` when absent. A comma-separated string reads as its parts.
    public var strings: [String] {
        switch self {
        case .array(let items): return items.compactMap(\.string)
        case .string(let text) where !text.isEmpty:
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        default: return []
        }
    }

    public var members: [String: OpenBaoValue] {
        if case .object(let members) = self { return members }
        return [:]
    }

    /// An RFC 3339 time, with any number of fraction digits; the zero time Go uses for "never" reads as `nil`.
    public var date: Date? {
        guard let text = string, !text.isEmpty, !text.hasPrefix("0001-01-01") else { return nil }
        if let date = ISO8601.parse(text) { return date }
        // Trim the fraction to milliseconds (Go writes nanoseconds) and parse again.
        guard let dot = text.firstIndex(of: "."),
            let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        else { return nil }
        let fraction = text[text.index(after: dot)..<zone].prefix(3)
        return ISO8601.parse(String(text[..<dot]) + "." + fraction + String(text[zone...]))
    }

    /// A value as text for an attribute: strings as is, numbers without a fraction, arrays comma-joined.
    public var text: String? {
        switch self {
        case .string(let value): return value
        case .number: return int.map(String.init) ?? nil
        case .bool(let value): return value ? "true" : "false"
        case .array: return strings.joined(separator: ",")
        case .object, .null: return nil
        }
    }
}
