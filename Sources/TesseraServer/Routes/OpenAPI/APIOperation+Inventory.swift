extension APIOperation {
    /// The `inventory` operations.
    static let inventory: [APIOperation] = [
        APIOperation("get", "/v1/identities", "inventory", "List identities (filters, pagination)", .admin, nil, .object),
        APIOperation(
            "post", "/v1/identities", "inventory",
            "Register a non-human identity",
            .admin, .object, .schema("Identity")),
        APIOperation("get", "/v1/identities/{id}", "inventory", "Show an identity", .admin, nil, .schema("Identity")),
        APIOperation("patch", "/v1/identities/{id}", "inventory", "Update an identity", .admin, .object, .schema("Identity")),
        APIOperation(
            "post", "/v1/identities/{id}/{action}", "inventory",
            "Lifecycle: suspend, retire or activate (revokes live credentials)",
            .admin, .schema("Reason"), .schema("Identity")),
    ]
}
