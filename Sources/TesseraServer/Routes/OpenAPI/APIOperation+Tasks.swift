extension APIOperation {
    /// The `tasks` operations.
    static let tasks: [APIOperation] = [
        APIOperation("get", "/v1/tasks", "tasks", "List tasks", .admin, nil, .object),
        APIOperation("post", "/v1/tasks", "tasks", "Start a task", .admin, .object, .schema("Task")),
        APIOperation("get", "/v1/tasks/{id}", "tasks", "Show a task", .admin, nil, .schema("Task")),
        APIOperation("get", "/v1/tasks/{id}/leases", "tasks", "The task's leases", .admin, nil, .object),
        APIOperation(
            "post", "/v1/tasks/{id}/renew", "tasks",
            "Extend an open task (capped)",
            .admin, .schema("TTL"), .schema("Task")),
        APIOperation(
            "post", "/v1/tasks/{id}/{action}", "tasks",
            "End or revoke a task (revokes its leases)",
            .admin, .schema("Reason"), .schema("Task")),
    ]
}
