/// The outcome of an authorization request.
public enum Decision: String, Sendable, Hashable {
    /// Some permit was satisfied and no forbid was.
    case allow
    /// A forbid was satisfied, or no permit was (default deny).
    case deny
}
