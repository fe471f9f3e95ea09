/// An error from the agent. Reasons never contain key material or tokens.
public struct AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let configuration = Code(rawValue: "configuration")
        public static let serverUnreachable = Code(rawValue: "server_unreachable")
        public static let serverRefused = Code(rawValue: "server_refused")
        /// The server decided against the request (403: inventory, audience or policy): retrying will not help.
        public static let serverDenied = Code(rawValue: "server_denied")
        public static let attestationFailed = Code(rawValue: "attestation_failed")
        public static let noNodeIdentity = Code(rawValue: "no_node_identity")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
