/// A discovery failure. `reason` names the source and what is missing; it never contains a credential.
public struct DiscoveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The source could not be reached (connection refused, DNS, TLS, timeout).
        public static let unreachable = Code(rawValue: "unreachable")
        /// The source refused the credentials.
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        /// The credentials are valid but lack a permission discovery needs.
        public static let forbidden = Code(rawValue: "forbidden")
        /// The source asked us to slow down and kept doing so after retries.
        public static let throttled = Code(rawValue: "throttled")
        /// The source answered something discovery could not read.
        public static let malformed = Code(rawValue: "malformed")
        /// The command line or configuration is wrong (bad URL, missing credential file).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
    }

    public let code: Code
    /// Which source (`postgres`, `openbao`, `aws`, `host`).
    public let source: String
    public let reason: String

    public init(_ code: Code, source: String, _ reason: String) {
        self.code = code
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(reason)" }
}
