/// An error from the dynamic-secrets engine. Reasons never contain a password.
public struct SecretsError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let configuration = Code(rawValue: "configuration")
        public static let unknownRole = Code(rawValue: "unknown_role")
        public static let backend = Code(rawValue: "backend")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
