import TesseraPolicy

/// What replaying one audit record under a new policy set found.
public enum ReplayOutcome: Sendable, Equatable {
    /// Not a decision record (no `policy_version`), or outside the time range.
    case notADecision
    /// A decision recorded without its input (before inputs were stored, or too large to store): never guessed.
    case lacksInput(policyVersion: String)
    /// Refused by the inventory's grants before any policy: no policy edit changes it.
    case inventory
    /// Re-decided to the same outcome.
    case unchanged
    /// Re-decided to another outcome.
    case changed(ReplayChange)
    /// The stored input could not be read back (reported with the record's sequence).
    case unreadable(seq: Int64, reason: String)
}

/// One decision that a new policy set decides differently.
public struct ReplayChange: Sendable, Equatable, Codable {
    public let seq: Int64
    public let time: String
    public let type: String
    /// The identity (client id or SPIFFE ID) the decision was about.
    public let identity: String
    public let action: String
    /// The audience or resource (the Cedar resource's id).
    public let resource: String
    public let oldDecision: String
    public let newDecision: String
    public let oldPolicies: [String]
    public let newPolicies: [String]
    public let oldPolicyVersion: String

    enum CodingKeys: String, CodingKey {
        case seq, time, type, identity, action, resource
        case oldDecision = "old_decision"
        case newDecision = "new_decision"
        case oldPolicies = "old_policies"
        case newPolicies = "new_policies"
        case oldPolicyVersion = "old_policy_version"
    }
}
