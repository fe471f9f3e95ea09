/// A policy that failed to evaluate for a request.
public struct PolicyEvaluationError: Sendable, Hashable, CustomStringConvertible {
    /// The failing policy's id.
    public let policyID: String
    /// Why it failed.
    public let message: String

    public var description: String { "\(policyID): \(message)" }
}
