/// The action part of a policy scope.
public enum ActionConstraint: Sendable, Hashable {
    /// No constraint.
    case any
    /// `action == A`.
    case equal(EntityUID)
    /// `action in A` or `action in [A, B, ...]`.
    case isIn([EntityUID])
}
