/// An error from the audit log. A failed append means the caller must not hand out the credential.
public struct AuditError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let appendFailed = Code(rawValue: "audit_append_failed")
        public static let chainBroken = Code(rawValue: "audit_chain_broken")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
