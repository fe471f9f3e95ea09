import Foundation
import Hummingbird
import NIOCore
import TesseraCore

/// Reads a JSON object request body field by field, with errors that name the field (a JSON path).
struct JSONObjectReader {
    let object: [String: JSONValue]

    init(_ buffer: ByteBuffer) throws(ProblemDetails) {
        try self.init(utf8: try Self.utf8Body(buffer))
    }

    /// The body's bytes, refused unless they are UTF-8 without NUL (RFC 8259 §8.1). Foundation would also decode
    /// UTF-16/32, which byte-level checks made before parsing (exact numbers, duplicate names in tool calls) cannot
    /// see into (docs/threat-model.md): such checks read what this returns, then `init(utf8:)` parses it.
    static func utf8Body(_ buffer: ByteBuffer) throws(ProblemDetails) -> Data {
        let bytes = Data(buffer.readableBytesView)
        guard !bytes.contains(0), String(validating: bytes, as: UTF8.self) != nil else {
            throw .badRequest("request body must be UTF-8 JSON")
        }
        return bytes
    }

    /// Parses bytes `utf8Body` returned.
    init(utf8 bytes: Data) throws(ProblemDetails) {
        guard !bytes.isEmpty else { throw .badRequest("request body must be a JSON object") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: bytes)
        } catch {
            throw .badRequest("request body is not valid JSON")
        }
        guard case .object(let object) = value else { throw .badRequest("request body must be a JSON object") }
        self.object = object
    }

    func rejectUnknown(allowed: Set<String>) throws(ProblemDetails) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("unknown field $.\(unknown.prefix(64))")
        }
    }

    /// Longest string field accepted (characters); names and free text are far shorter, keys and PEM fit.
    static let maximumStringLength = 8192

    /// A present, non-null string without NUL or other control characters (tab and newlines allowed) and at most
    /// `maximumStringLength` characters.
    func string(_ key: String) throws(ProblemDetails) -> String? {
        switch object[key] {
        case nil: return nil
        case .string(let value):
            try Self.check(value, at: "$.\(key)")
            return value
        default: throw .badRequest("$.\(key) must be a string")
        }
    }

    /// Refuses control characters (other than tab, CR, LF) and over-long values, naming the field.
    static func check(_ value: String, at path: String, maximum: Int = maximumStringLength) throws(ProblemDetails) {
        guard value.count <= maximum else { throw .badRequest("\(path) must be at most \(maximum) characters") }
        if value.unicodeScalars.contains(where: {
            ($0.properties.generalCategory == .control && !["\t", "\n", "\r"].contains($0))
        }) {
            throw .badRequest("\(path) must not contain NUL or other control characters")
        }
    }

    func requiredString(_ key: String) throws(ProblemDetails) -> String {
        guard let value = try string(key) else { throw .badRequest("$.\(key) is required") }
        return value
    }

    /// `nil` if absent, `.some(nil)` if null.
    func nullableString(_ key: String) throws(ProblemDetails) -> String?? {
        if case .null = object[key] { return .some(nil) }
        return try string(key).map { .some($0) }
    }

    func nullableDate(_ key: String) throws(ProblemDetails) -> Date?? {
        switch try nullableString(key) {
        case nil: return nil
        case .some(nil): return .some(nil)
        case .some(.some(let text)):
            guard let date = ISO8601.parse(text) else {
                throw .badRequest("$.\(key) must be an RFC 3339 timestamp such as 2027-01-31T00:00:00Z")
            }
            return .some(date)
        }
    }

    func nullableInt(_ key: String) throws(ProblemDetails) -> Int?? {
        switch object[key] {
        case nil: return nil
        case .null: return .some(nil)
        case .number(let value) where value == value.rounded() && abs(value) < 1e12: return .some(Int(value))
        default: throw .badRequest("$.\(key) must be an integer")
        }
    }

    func stringArray(_ key: String) throws(ProblemDetails) -> [String]? {
        switch object[key] {
        case nil: return nil
        case .array(let values):
            var result: [String] = []
            for (index, value) in values.enumerated() {
                guard case .string(let text) = value else { throw .badRequest("$.\(key)[\(index)] must be a string") }
                try Self.check(text, at: "$.\(key)[\(index)]")
                result.append(text)
            }
            return result
        default: throw .badRequest("$.\(key) must be an array of strings")
        }
    }

    /// A nested object re-serialized as JSON text.
    func objectText(_ key: String) throws(ProblemDetails) -> String? {
        switch object[key] {
        case nil: return nil
        case .some(let value):
            guard case .object = value, let data = try? JSONEncoder().encode(value) else {
                throw .badRequest("$.\(key) must be a JSON object")
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}

extension Request {
    /// Collects an admin request body, refusing oversized ones with a problem-details 413.
    func adminBody(limit: Int) async throws(ProblemDetails) -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch {
            throw ProblemDetails(.contentTooLarge, "Content too large", detail: "request body is larger than \(limit) bytes")
        }
    }
}

extension Request {
    /// The optional `{"reason": "..."}` body of a lifecycle action (suspend, retire, end a task, ...).
    func optionalReason(limit: Int) async throws -> String? {
        let buffer = try await adminBody(limit: limit)
        guard buffer.readableBytes > 0 else { return nil }
        let body = try JSONObjectReader(buffer)
        try body.rejectUnknown(allowed: ["reason"])
        return try body.string("reason")
    }
}
