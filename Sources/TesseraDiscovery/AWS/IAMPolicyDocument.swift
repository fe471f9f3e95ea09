import Foundation

/// An IAM policy document (permissions or trust), read from the JSON IAM returns: URL-encoded in AWS's answers,
/// plain in some compatible endpoints'. Single values and lists read alike; condition values become strings.
public struct IAMPolicyDocument: Sendable, Equatable {
    public struct Statement: Sendable, Equatable {
        /// `Allow` or `Deny`.
        public let effect: String
        public let actions: [String]
        /// Set when the statement uses `NotAction` (it then applies to every action but these).
        public let notActions: [String]?
        public let resources: [String]
        /// Set when the statement uses `NotResource`.
        public let notResources: [String]?
        /// Principal type (`AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for `"Principal": "*"`) to values.
        public let principals: [String: [String]]
        /// Condition operator (`StringEquals`) to context key to values.
        public let conditions: [String: [String: [String]]]

        public var allows: Bool { effect.caseInsensitiveCompare("Allow") == .orderedSame }

        /// Whether the statement covers every resource (`"Resource": "*"` or any `NotResource`).
        public var coversEveryResource: Bool { resources.contains("*") || notResources != nil }

        /// Every condition key, lower-cased.
        public var conditionKeys: [String] { conditions.values.flatMap { $0.keys.map { $0.lowercased() } } }
    }

    public let statements: [Statement]

    public init(statements: [Statement]) { self.statements = statements }

    /// Parses a document as IAM returns it; `nil` when it is not a policy document.
    public static func parse(_ text: String) -> IAMPolicyDocument? {
        if let document = parseJSON(text) { return document }
        guard let decoded = text.removingPercentEncoding else { return nil }
        return parseJSON(decoded)
    }

    static func parseJSON(_ text: String) -> IAMPolicyDocument? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        let raw: [Any]
        switch object["Statement"] {
        case let list as [Any]: raw = list
        case let one as [String: Any]: raw = [one]
        default: return nil
        }
        var statements: [Statement] = []
        for item in raw {
            guard let statement = item as? [String: Any], let effect = statement["Effect"] as? String else { return nil }
            statements.append(
                Statement(
                    effect: effect, actions: strings(statement["Action"]),
                    notActions: statement["NotAction"].map { strings($0) }, resources: strings(statement["Resource"]),
                    notResources: statement["NotResource"].map { strings($0) }, principals: principals(statement["Principal"]),
                    conditions: conditions(statement["Condition"])))
        }
        return IAMPolicyDocument(statements: statements)
    }

    static func strings(_ value: Any?) -> [String] {
        switch value {
        case let text as String: return [text]
        case let list as [Any]: return list.compactMap { strings($0).first }
        case let number as NSNumber: return [number.stringValue]
        default: return []
        }
    }

    static func principals(_ value: Any?) -> [String: [String]] {
        switch value {
        case let text as String: return ["*": [text]]
        case let map as [String: Any]: return map.mapValues { strings($0) }
        default: return [:]
        }
    }

    static func conditions(_ value: Any?) -> [String: [String: [String]]] {
        guard let map = value as? [String: Any] else { return [:] }
        return map.compactMapValues { ($0 as? [String: Any])?.mapValues { strings($0) } }
    }
}
