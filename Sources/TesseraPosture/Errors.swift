/// An error from posture analysis or secret scanning. Never carries a secret value.
public struct PostureError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A path could not be read or does not exist.
        public static let unreadable = Code(rawValue: "unreadable")
        /// `git` failed or the path is not a repository.
        public static let git = Code(rawValue: "git")
        /// A generated policy did not parse or validate.
        public static let policy = Code(rawValue: "policy")
        /// Stored posture data is inconsistent.
        public static let corrupted = Code(rawValue: "corrupted")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
