extension APIOperation {
    /// The `exceptions` operations.
    static let exceptions: [APIOperation] = [
        APIOperation("get", "/v1/exceptions", "exceptions", "List exceptions", .admin, nil, .object),
        APIOperation(
            "post", "/v1/exceptions", "exceptions",
            "Create a time-bound exception",
            .admin, .object, .schema("Exception")),
        APIOperation("get", "/v1/exceptions/{id}", "exceptions", "Show an exception", .admin, nil, .schema("Exception")),
        APIOperation(
            "post", "/v1/exceptions/{id}/revoke", "exceptions",
            "Revoke an exception",
            .admin, .schema("Reason"), .schema("Exception")),
    ]
}
