import Foundation

/// Finds an object member name that occurs twice in one JSON object. RFC 8259 leaves duplicate names to the
/// parser: Foundation keeps one value, another parser (the tool's) may keep the other. A tool call authorised over
/// one reading of its arguments and executed over another would escape its approval, so tool-call bodies with a
/// duplicate name are refused (docs/threat-model.md). Names are compared after unescaping (`"a"` and
/// `"\u0061"` are the same name).
enum DuplicateJSONKeys {
    /// The first duplicated member name in `json`, or `nil`. Assumes nothing about validity: the parser that runs
    /// afterwards refuses malformed JSON.
    static func firstDuplicate(in json: Data) -> String? {
        let bytes = [UInt8](json)
        // One entry per open container: the names seen so far in an object, `nil` for an array.
        var open: [Set<String>?] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                open.append([])
                index += 1
            case UInt8(ascii: "["):
                open.append(nil)
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !open.isEmpty { open.removeLast() }
                index += 1
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                index += 1
                let end = min(index, bytes.count)
                var next = index
                while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) { next += 1 }
                // A string followed by `:` inside an object is a member name.
                guard next < bytes.count, bytes[next] == UInt8(ascii: ":"), let top = open.last, var names = top else { continue }
                let literal = Data(bytes[start..<end])
                let name =
                    (try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String)
                    ?? String(decoding: literal, as: UTF8.self)
                // A NUL in a name is refused like a duplicate: a parser that stops at NUL reads `env\u0000` as `env`.
                if names.contains(name) || name.contains("\u{0}") { return name }
                names.insert(name)
                open[open.count - 1] = names
            default:
                index += 1
            }
        }
        return nil
    }
}
