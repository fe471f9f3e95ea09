extension APIOperation {
    /// The `agent` operations.
    static let agent: [APIOperation] = [
        APIOperation("post", "/agent/v1/attest", "agent", "Node attestation with a join token", .none, .object, .object),
        APIOperation("post", "/agent/v1/renew", "agent", "Renew the node SVID", .node, .object, .object),
        APIOperation(
            "get", "/agent/v1/entries", "agent",
            "The node's registration entries and revoked SVID serials",
            .node, nil, .object),
        APIOperation(
            "get", "/agent/v1/watch", "agent",
            "Long-poll the change revision (revocations reach agents at once)",
            .node, nil, .object),
        APIOperation("get", "/agent/v1/bundles", "agent", "Trust bundles for the node", .node, nil, .object),
        APIOperation("post", "/agent/v1/x509-svids", "agent", "Sign a batch of X.509-SVID CSRs", .node, .object, .object),
        APIOperation("post", "/agent/v1/jwt-svid", "agent", "Sign a JWT-SVID", .node, .object, .object),
    ]
}
