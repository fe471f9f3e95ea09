extension APIOperation {
    /// The `federation` operations.
    static let federation: [APIOperation] = [
        APIOperation("get", "/v1/issuers", "federation", "Trusted external issuers", .admin, nil, .object),
        APIOperation(
            "post", "/v1/issuers", "federation",
            "Trust an external issuer (discovery or pinned JWKS, claim mappings)",
            .admin, .object, .object),
        APIOperation("get", "/v1/issuers/{id}", "federation", "Show a trusted issuer", .admin, nil, .object),
        APIOperation("delete", "/v1/issuers/{id}", "federation", "Stop trusting an issuer", .admin, nil, .empty),
        APIOperation(
            "get", "/auth/login", "federation",
            "Human sign-in: redirect to the organisation's IdP (authorization code + PKCE); tessera login sends redirect_uri and code_challenge, the console console_challenge",
            .none, nil, .text),
        APIOperation(
            "get", "/auth/info", "federation",
            "The configured IdP for the console's sign-in button: issuer, name, console_redirect_uri",
            .none, nil, .object),
        APIOperation(
            "get", "/auth/callback", "federation",
            "Human sign-in: IdP redirect back; starts a short admin session",
            .none, nil, .object),
        APIOperation(
            "post", "/auth/cli/continue", "federation",
            "tessera login: the person confirmed on Tessera's page; 303 to the CLI's loopback listener with the one-time code",
            .none, .object, .empty),
        APIOperation(
            "post", "/auth/token", "federation",
            "tessera login and the console: redeem the one-time sign-in code with the PKCE verifier; the session is in the body",
            .none, .object, .object),
        APIOperation(
            "post", "/v1/delegations", "federation",
            "A signed-in human starts a task and delegates it to an agent or workload",
            .admin, .object, .object),
    ]
}
