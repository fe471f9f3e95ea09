/// An error raised by the domain model. `reason` is safe to show to a caller: it never contains a secret.
public struct TesseraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable code.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidSPIFFEID = Code(rawValue: "invalid_spiffe_id")
        public static let invalidIdentity = Code(rawValue: "invalid_identity")
        public static let invalidScope = Code(rawValue: "invalid_scope")
        public static let invalidTransition = Code(rawValue: "invalid_transition")
        public static let invalidArgument = Code(rawValue: "invalid_argument")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
