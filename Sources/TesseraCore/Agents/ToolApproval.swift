import Foundation

/// A human's decision on one high-risk tool call: pending until approved or denied, single-use once approved,
/// and bound to the task, the agent, the tool and the digest of the call's arguments.
public struct ToolApproval: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        case pending
        case approved
        case denied
        case expired
        case used
    }

    public let id: String
    public let taskID: String
    /// The agent's SPIFFE ID.
    public let agent: String
    public let tool: String
    public let argumentsDigest: String
    public let resource: String?
    /// The upstream MCP server the call goes to (`nil` when the caller named none): an approval for one upstream
    /// never lets a same-named tool of another through.
    public let server: String?
    /// The delegation chain of the request (subject, then actors), for the approver to see.
    public let chain: [String]
    public let state: State
    public let requestedAt: Date
    public let expiresAt: Date
    public let decidedAt: Date?
    public let decidedBy: String?
    public let reason: String?

    public init(
        id: String, taskID: String, agent: String, tool: String, argumentsDigest: String, resource: String?, chain: [String],
        state: State, requestedAt: Date, expiresAt: Date, decidedAt: Date? = nil, decidedBy: String? = nil,
        reason: String? = nil, server: String? = nil
    ) {
        self.server = server
        self.id = id
        self.taskID = taskID
        self.agent = agent
        self.tool = tool
        self.argumentsDigest = argumentsDigest
        self.resource = resource
        self.chain = chain
        self.state = state
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.reason = reason
    }

    public static func newID() -> String { "apr_" + RandomToken.hex(bytes: 12) }

    /// The state as of `now`: an undecided or unused approval past its deadline is expired.
    public func effectiveState(at now: Date) -> State {
        if (state == .pending || state == .approved) && now >= expiresAt { return .expired }
        return state
    }

    /// Whether this approval lets exactly this call through at `now`.
    public func authorizes(
        taskID: String, agent: String, tool: String, server: String?, argumentsDigest: String, at now: Date
    ) -> Bool {
        effectiveState(at: now) == .approved && self.taskID == taskID && self.agent == agent && self.tool == tool
            && self.server == server && self.argumentsDigest == argumentsDigest
    }
}
