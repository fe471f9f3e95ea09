/// One problem found by the validator.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The policy (or template) it concerns.
    public let policyID: String
    /// What is wrong.
    public let message: String
    /// Where the policy starts.
    public let location: SourceLocation?
    /// The file the policy came from, if known.
    public let source: String?

    public var description: String {
        let place = [source, location?.description].compactMap { $0 }.joined(separator: ":")
        return "\(policyID)\(place.isEmpty ? "" : " (\(place))"): \(message)"
    }
}
