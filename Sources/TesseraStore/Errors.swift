/// An error from the storage layer.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let notFound = Code(rawValue: "not_found")
        public static let conflict = Code(rawValue: "conflict")
        public static let corrupted = Code(rawValue: "corrupted")
        public static let unavailable = Code(rawValue: "unavailable")
        /// A value neither engine stores as given (a string with a NUL: SQLite would cut it there, PostgreSQL refuses it).
        public static let invalidValue = Code(rawValue: "invalid_value")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
