extension APIOperation {
    /// The `oauth` operations.
    static let oauth: [APIOperation] = [
        APIOperation(
            "get", "/.well-known/oauth-authorization-server", "oauth",
            "Authorization server metadata (RFC 8414)",
            .none, nil, .object),
        APIOperation("get", "/.well-known/jwks.json", "oauth", "Token signing keys (JWK Set)", .none, nil, .schema("JWKSet")),
        APIOperation(
            "get", "/.well-known/openid-configuration", "oauth",
            "OpenID Connect discovery of the OAuth issuer: relying parties verify access tokens from the issuer URL alone",
            .none, nil, .object),
        APIOperation(
            "post", "/oauth2/token", "oauth",
            "Token endpoint: client_credentials (private_key_jwt, JWT-SVID, mTLS) and RFC 8693 token exchange; DPoP",
            .client, .schema("TokenForm"), .schema("TokenResponse")),
        APIOperation(
            "post", "/oauth2/introspect", "oauth",
            "Token introspection (RFC 7662)",
            .admin, .schema("TokenParameter"), .schema("Introspection")),
        APIOperation("post", "/oauth2/revoke", "oauth", "Token revocation (RFC 7009)", .admin, .schema("TokenParameter"), .empty),
        APIOperation(
            "get", "/oauth2/revocations", "oauth",
            "Signed, cacheable list of revoked unexpired token ids (ETag)",
            .none, nil, .jws),
        APIOperation(
            "get", "/v1/keys", "oauth",
            "Signing keys of access tokens and JWT-SVIDs (kid, purpose, algorithm, status, when a next key signs; no private material); ?purpose=access-token|jwt-svid",
            .admin, nil, .object),
        APIOperation(
            "post", "/v1/keys/rotate", "oauth",
            "Rotate a signing key {purpose, algorithm, immediate}: the next key is published first and signs after the pre-publication time, or at once with immediate",
            .admin, .object, .object),
    ]
}
