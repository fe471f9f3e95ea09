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
