extension APIOperation {
    /// The `posture` operations.
    static let posture: [APIOperation] = [
        APIOperation("get", "/v1/findings", "posture", "Current findings (filters)", .admin, nil, .object),
        APIOperation("post", "/v1/findings/{id}/acknowledge", "posture", "Acknowledge a finding", .admin, .object, .object),
        APIOperation("post", "/v1/findings/{id}/resolve", "posture", "Resolve a finding", .admin, .schema("Reason"), .object),
        APIOperation(
            "post", "/v1/owners/{name}/depart", "posture",
            "Mark an owner departed (queues their identities)",
            .admin, nil, .object),
        APIOperation("get", "/v1/owners/reassignments", "posture", "Re-assignment queue", .admin, nil, .object),
        APIOperation("get", "/v1/static-secrets", "posture", "Static-secret inventory", .admin, nil, .object),
        APIOperation("post", "/v1/static-secrets", "posture", "Track a static secret", .admin, .object, .object),
        APIOperation("post", "/v1/static-secrets/{id}/rotated", "posture", "Record a rotation", .admin, nil, .object),
        APIOperation("get", "/v1/posture/evidence/{id}", "posture", "Evidence report for one identity", .admin, nil, .object),
        APIOperation("get", "/v1/posture/report", "posture", "Estate report (json, markdown, html)", .admin, nil, .object),
    ]
}
