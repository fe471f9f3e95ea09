/// `permit` or `forbid`.
public enum Effect: String, Sendable, Hashable {
    /// Allows when satisfied (unless a forbid is also satisfied).
    case permit
    /// Denies when satisfied, overriding every permit.
    case forbid
}
