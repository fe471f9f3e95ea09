extension APIOperation {
    /// The `leases` operations.
    static let leases: [APIOperation] = [
        APIOperation("get", "/v1/leases", "leases", "List leases (subject, task, kind, state)", .admin, nil, .object),
        APIOperation("get", "/v1/leases/{id}", "leases", "Show a lease", .admin, nil, .schema("Lease")),
        APIOperation("post", "/v1/leases/{id}/revoke", "leases", "Revoke one lease", .admin, .schema("Reason"), .schema("Lease")),
        APIOperation(
            "post", "/v1/leases/{id}/renew", "leases",
            "Renew a dynamic secret within its task",
            .admin, .schema("TTL"), .schema("Lease")),
        APIOperation("post", "/v1/leases/revoke", "leases", "Revoke every live lease of an identity", .admin, .object, .object),
    ]
}
