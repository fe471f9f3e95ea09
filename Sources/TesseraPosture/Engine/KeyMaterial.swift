import Foundation

/// The public-key material of a JWK set (`x`/`y`/`n` of each key, joined with `.`), for spotting one key
/// registered for several identities. A byte scanner handles the stored form; anything with escapes goes through
/// `JSONSerialization`.
enum KeyMaterial {
    static func of(_ jwks: String) -> [String] {
        var jwks = jwks
        if let fast = jwks.withUTF8({ scan($0) }) { return fast }
        guard let object = try? JSONSerialization.jsonObject(with: Data(jwks.utf8)) as? [String: Any],
            let keys = object["keys"] as? [[String: Any]]
        else { return [] }
        return keys.compactMap { key in
            let parts = ["x", "y", "n"].compactMap { key[$0] as? String }
            return parts.isEmpty ? nil : parts.joined(separator: ".")
        }
    }

    /// `{"keys":[{...},{...}]}` with escape-free strings; `nil` for anything else.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        var index = 0
        func skipSpace() { while index < bytes.count, [32, 9, 10, 13].contains(bytes[index]) { index += 1 } }
        func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        func string() -> Range<Int>? {
            guard take(34) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != 34 {
                if bytes[index] == 92 { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            index += 1
            return start..<(index - 1)
        }
        /// Skips a value without strings containing escapes; `false` if it cannot.
        func skip() -> Bool {
            skipSpace()
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case 34: return string() != nil
            case 123, 91:
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case 123, 91: depth += 1
                    case 125, 93: depth -= 1
                    case 92: return false
                    case 34:
                        guard string() != nil else { return false }
                        continue
                    default: break
                    }
                    index += 1
                    if depth == 0 { return true }
                }
                return false
            default:
                while index < bytes.count, ![44, 125, 93].contains(bytes[index]) { index += 1 }
                return true
            }
        }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        guard take(123), let name = string(), text(name) == "keys", take(58), take(91) else { return nil }
        var out: [String] = []
        if take(93) { return take(125) ? out : nil }
        while true {
            guard take(123) else { return nil }
            var parts: [String: String] = [:]
            if !take(125) {
                while true {
                    guard let key = string(), take(58) else { return nil }
                    let name = text(key)
                    if name == "x" || name == "y" || name == "n" {
                        skipSpace()
                        guard index < bytes.count, bytes[index] == 34 else {
                            guard skip() else { return nil }
                            if take(44) { continue }
                            guard take(125) else { return nil }
                            break
                        }
                        guard let value = string() else { return nil }
                        parts[name] = text(value)
                    } else {
                        guard skip() else { return nil }
                    }
                    if take(44) { continue }
                    guard take(125) else { return nil }
                    break
                }
            }
            let joined = ["x", "y", "n"].compactMap { parts[$0] }
            if !joined.isEmpty { out.append(joined.joined(separator: ".")) }
            if take(44) { continue }
            guard take(93) else { return nil }
            break
        }
        // Other top-level members after "keys" are not expected in stored key sets.
        return take(125) ? out : nil
    }
}
