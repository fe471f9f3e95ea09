import Foundation

/// The claims of an external token as flat strings, for claim-mapping rules and policy context.
///
/// Nested objects are flattened with dots (`kubernetes.io.namespace`); scalars become strings; arrays of
/// strings are kept as lists (e.g. `groups`). Anything deeper than 4 levels is ignored. The 16 KiB token limit
/// bounds the number of claims; the cap of 4,096 is a backstop that a valid token never reaches.
public struct ExternalClaims: Sendable, Equatable {
    public private(set) var values: [String: String] = [:]
    public private(set) var lists: [String: [String]] = [:]

    public init(values: [String: String] = [:], lists: [String: [String]] = [:]) {
        self.values = values
        self.lists = lists
    }

    /// Parses a JSON claim set; `nil` when it is not a JSON object.
    public init?(payload: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any] else { return nil }
        flatten(object, prefix: "", depth: 0)
    }

    public subscript(_ name: String) -> String? { values[name] }

    private mutating func flatten(_ object: [String: Any], prefix: String, depth: Int) {
        for (key, value) in object {
            guard values.count + lists.count < 4096 else { return }
            let name = prefix + key
            switch value {
            case let string as String: values[name] = string
            case let number as NSNumber: values[name] = number.stringValue
            case let array as [Any]: lists[name] = array.compactMap { $0 as? String }
            case let nested as [String: Any] where depth < 4: flatten(nested, prefix: name + ".", depth: depth + 1)
            default: continue
            }
        }
    }
}
