/// An error from the server layer (start-up, configuration). Never contains a secret.
public struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let configuration = Code(rawValue: "configuration")
        public static let missingKEK = Code(rawValue: "missing_kek")
        public static let wrongKEK = Code(rawValue: "wrong_kek")
        public static let storage = Code(rawValue: "storage")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// A document (discovery, JWKS, token response) could not be fetched from an external party; safe to show.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The keys of a trusted issuer could not be obtained; safe to show.
public struct KeyUnavailable: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
