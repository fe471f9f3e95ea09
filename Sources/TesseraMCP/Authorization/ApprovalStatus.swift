/// Where a human's approval of one tool call stands (`GET /v1/approvals/{id}`).
public struct ApprovalStatus: Sendable, Equatable, Decodable {
    public let id: String
    /// `pending`, `approved`, `denied`, `expired` (or `used`); unknown states are treated as final refusals.
    public let state: String
    /// The approver's reason, when one was given.
    public let reason: String?

    public init(id: String, state: String, reason: String? = nil) {
        self.id = id
        self.state = state
        self.reason = reason
    }

    public var isPending: Bool { state == "pending" }
    public var isApproved: Bool { state == "approved" }
}
