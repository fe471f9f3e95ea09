extension APIOperation {
    /// Every documented operation, by tag in document order.
    static let all: [APIOperation] =
        operations + oauth + spiffe + agent + inventory + discovery + agents + audit + tasks + leases + exceptions + secrets
        + posture
        + federation + console
}
