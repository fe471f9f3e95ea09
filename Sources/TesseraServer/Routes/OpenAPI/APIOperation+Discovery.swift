extension APIOperation {
    /// The `discovery` operations: identities that exist outside Tessera.
    static let discovery: [APIOperation] = [
        APIOperation(
            "post", "/v1/discovery/runs", "discovery",
            "Submit a discovery snapshot (tessera discover): merged idempotently; gone only after a complete run",
            .admin, .object, .object),
        APIOperation(
            "get", "/v1/discovery/runs", "discovery", "The latest discovery run of each source scope", .admin, nil, .object),
        APIOperation(
            "get", "/v1/discovered", "discovery", "List discovered identities (source, scope, status, owner, pagination)", .admin,
            nil, .object),
        APIOperation("get", "/v1/discovered/{id}", "discovery", "Show a discovered identity", .admin, nil, .object),
        APIOperation(
            "post", "/v1/discovered/{id}/claim", "discovery", "Claim a discovered identity: owner, purpose, environment", .admin,
            .object, .object),
        APIOperation(
            "post", "/v1/discovered/{id}/migrate", "discovery",
            "Record the Tessera identity that replaced it (its old credentials stay flagged while live)", .admin, .object, .object
        ),
        APIOperation(
            "get", "/v1/discovered/{id}/plan", "discovery", "The migration plan onto short-lived, task-scoped credentials",
            .admin,
            nil, .object),
        APIOperation(
            "post", "/v1/identities/{id}/release", "responses",
            "Release an identity held by a require-approval response (a person approves its next issuance; reason required)",
            .admin, .schema("Reason"), .object),
        APIOperation(
            "get", "/v1/responses", "responses", "The automated response rules in force (docs/risk.md)", .admin, nil, .object),
    ]
}
