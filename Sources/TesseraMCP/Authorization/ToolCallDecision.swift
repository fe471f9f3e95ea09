/// Tessera's answer to one tool call (`POST /v1/authorize/tool-call`).
public struct ToolCallDecision: Sendable, Equatable, Decodable {
    public enum Outcome: String, Sendable, Equatable, Decodable {
        case allow
        case deny
        case approvalRequired = "approval_required"
    }

    public let decision: Outcome
    /// Why, in words a human (or the agent's model) can act on.
    public let reasons: [String]
    /// The ids of the policies that decided.
    public let policies: [String]
    public let taskID: String?
    /// The audited call's id.
    public let callID: String?
    public let approvalID: String?
    public let approvalURL: String?

    public init(
        decision: Outcome, reasons: [String] = [], policies: [String] = [], taskID: String? = nil, callID: String? = nil,
        approvalID: String? = nil, approvalURL: String? = nil
    ) {
        self.decision = decision
        self.reasons = reasons
        self.policies = policies
        self.taskID = taskID
        self.callID = callID
        self.approvalID = approvalID
        self.approvalURL = approvalURL
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        decision = try container.decode(Outcome.self, forKey: .decision)
        reasons = try container.decodeIfPresent([String].self, forKey: .reasons) ?? []
        policies = try container.decodeIfPresent([String].self, forKey: .policies) ?? []
        taskID = try container.decodeIfPresent(String.self, forKey: .taskID)
        callID = try container.decodeIfPresent(String.self, forKey: .callID)
        approvalID = try container.decodeIfPresent(String.self, forKey: .approvalID)
        approvalURL = try container.decodeIfPresent(String.self, forKey: .approvalURL)
    }

    enum CodingKeys: String, CodingKey {
        case decision, reasons, policies
        case taskID = "task_id"
        case callID = "call_id"
        case approvalID = "approval_id"
        case approvalURL = "approval_url"
    }
}
