extension APIOperation {
    /// The `console` operations.
    static let console: [APIOperation] = [
        APIOperation("get", "/", "console", "Redirect to the console", .none, nil, .text),
        APIOperation("get", "/console", "console", "Web console (HTML)", .none, nil, .text),
        APIOperation("get", "/console/app.js", "console", "Console script", .none, nil, .text),
        APIOperation("get", "/console/app.css", "console", "Console style sheet", .none, nil, .text),
        APIOperation("get", "/v1/console/whoami", "console", "Who is signed in", .admin, nil, .object),
        APIOperation(
            "get", "/v1/console/overview", "console",
            "The estate at a glance: inventory aggregates, issuance and refusals per hour and day, live tasks and leases, latest findings (cached 15 s)",
            .admin, nil, .object),
        APIOperation(
            "get", "/v1/console/identities", "console",
            "Inventory page (keyset pagination, search, filters)",
            .admin, nil, .object),
        APIOperation("get", "/v1/console/audit", "console", "Audit timeline page (filters)", .admin, nil, .object),
        APIOperation("get", "/v1/console/tasks/{id}/graph", "console", "A task's delegation graph", .admin, nil, .object),
    ]
}
