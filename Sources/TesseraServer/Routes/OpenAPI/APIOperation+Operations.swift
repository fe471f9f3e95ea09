extension APIOperation {
    /// The `operations` operations.
    static let operations: [APIOperation] = [
        APIOperation("get", "/healthz", "operations", "Liveness", .none, nil, .schema("Status")),
        APIOperation("get", "/readyz", "operations", "Readiness: database and policies answer", .none, nil, .schema("Readiness")),
        APIOperation("get", "/metrics", "operations", "Prometheus metrics (text exposition)", .admin, nil, .text),
        APIOperation("get", "/openapi.json", "operations", "This document", .none, nil, .object),
    ]
}
