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

/// The outcome of validating a policy set against a schema.
public struct ValidationResult: Sendable {
    /// Errors: the policy set does not validate if there is any.
    public let errors: [ValidationIssue]
    /// Warnings (e.g. a policy that can never apply); they do not make the set invalid.
    public let warnings: [ValidationIssue]

    /// Creates a result.
    public init(errors: [ValidationIssue], warnings: [ValidationIssue] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    /// True when there are no errors.
    public var isValid: Bool { errors.isEmpty }
}
