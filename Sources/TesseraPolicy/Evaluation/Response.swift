/// The answer to an authorization request.
public struct Response: Sendable {
    /// Allow or deny.
    public let decision: Decision
    /// Ids of the policies that determined the decision (satisfied forbids on deny, permits on allow).
    public let reasons: [String]
    /// Policies that errored during evaluation (they are skipped, never decide).
    public let errors: [PolicyEvaluationError]
}
