/// Filters for listing the inventory. All set fields must match.
public struct IdentityFilter: Sendable, Equatable {
    public var kind: IdentityKind?
    public var owner: String?
    public var status: IdentityStatus?
    public var environment: String?
    public var trustBoundary: String?
    /// Matches SPIFFE IDs starting with this prefix.
    public var spiffeIDPrefix: String?
    /// Return identities whose id sorts after this one (keyset pagination).
    public var after: String?
    /// Page size, 1...1000.
    public var limit: Int

    public init(
        kind: IdentityKind? = nil, owner: String? = nil, status: IdentityStatus? = nil, environment: String? = nil,
        trustBoundary: String? = nil, spiffeIDPrefix: String? = nil, after: String? = nil, limit: Int = 100
    ) {
        self.kind = kind
        self.owner = owner
        self.status = status
        self.environment = environment
        self.trustBoundary = trustBoundary
        self.spiffeIDPrefix = spiffeIDPrefix
        self.after = after
        self.limit = max(1, min(limit, 1000))
    }
}
