/// A `when` or `unless` clause.
public struct Condition: Sendable {
    /// True for `when`, false for `unless`.
    public let isWhen: Bool
    /// The clause body.
    public let body: Expr
}
