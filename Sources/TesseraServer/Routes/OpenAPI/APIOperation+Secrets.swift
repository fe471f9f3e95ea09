extension APIOperation {
    /// The `secrets` operations.
    static let secrets: [APIOperation] = [
        APIOperation(
            "post", "/v1/secrets/postgres", "secrets",
            "Dynamic PostgreSQL credential for a task",
            .access, .object, .object)
    ]
}
