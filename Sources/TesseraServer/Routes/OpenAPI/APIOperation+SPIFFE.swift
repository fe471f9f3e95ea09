extension APIOperation {
    /// The `spiffe` operations.
    static let spiffe: [APIOperation] = [
        APIOperation(
            "get", "/jwt-svid/.well-known/openid-configuration", "spiffe",
            "OpenID Connect discovery of the JWT-SVID issuer (--jwt-issuer; 404 when none is configured)",
            .none, nil, .object),
        APIOperation(
            "get", "/jwt-svid/keys", "spiffe",
            "The JWT-SVID issuer's key set (use sig, public keys only)",
            .none, nil, .schema("JWKSet")),
        APIOperation("get", "/bundle", "spiffe", "This trust domain's SPIFFE bundle", .none, nil, .schema("JWKSet")),
        APIOperation("get", "/.well-known/spiffe-bundle", "spiffe", "SPIFFE bundle endpoint", .none, nil, .schema("JWKSet")),
        APIOperation("get", "/v1/entries", "spiffe", "Registration entries", .admin, nil, .object),
        APIOperation("post", "/v1/entries", "spiffe", "Create a registration entry", .admin, .object, .object),
        APIOperation("delete", "/v1/entries/{id}", "spiffe", "Delete a registration entry", .admin, nil, .empty),
        APIOperation("get", "/v1/nodes", "spiffe", "Attested nodes", .admin, nil, .object),
        APIOperation("post", "/v1/nodes/tokens", "spiffe", "Create a join token", .admin, .object, .object),
        APIOperation("post", "/v1/nodes/{id}/revoke", "spiffe", "Revoke a node", .admin, nil, .empty),
        APIOperation("get", "/v1/federation", "spiffe", "Federated trust domains", .admin, nil, .object),
        APIOperation("post", "/v1/federation", "spiffe", "Federate with a trust domain", .admin, .object, .object),
        APIOperation("post", "/v1/spiffe/ca/rotate", "spiffe", "Rotate the trust domain CA", .admin, nil, .object),
    ]
}
