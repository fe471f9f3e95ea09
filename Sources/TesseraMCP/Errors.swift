/// An error raised by the MCP gateway. `reason` is safe to show to an agent or an operator: it never contains a
/// token or another secret.
public struct MCPGatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable code.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A `--upstream` or `--listen` value that cannot be understood.
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        /// The agent presented no Tessera access token.
        public static let missingToken = Code(rawValue: "missing_token")
        /// The Tessera server could not be reached or answered something that is not its API.
        public static let serverUnavailable = Code(rawValue: "server_unavailable")
        /// The Tessera server refused the agent's token (401) or its task (403).
        public static let unauthorized = Code(rawValue: "unauthorized")
        public static let forbidden = Code(rawValue: "forbidden")
        /// An upstream MCP server could not be started, reached, or answered badly.
        public static let upstreamUnavailable = Code(rawValue: "upstream_unavailable")
        /// The agent asked for a tool no upstream offers.
        public static let unknownTool = Code(rawValue: "unknown_tool")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
