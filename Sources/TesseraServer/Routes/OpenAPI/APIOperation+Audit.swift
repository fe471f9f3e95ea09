extension APIOperation {
    /// The `audit` operations.
    static let audit: [APIOperation] = [
        APIOperation("get", "/v1/audit/verify", "audit", "Verify the audit hash chain", .admin, nil, .schema("AuditVerify")),
        APIOperation("get", "/v1/audit/records", "audit", "Audit records as NDJSON (after, limit)", .admin, nil, .ndjson),
        APIOperation(
            "get", "/v1/audit/checkpoint-key", "audit",
            "The Ed25519 key that verifies signed audit checkpoints (for verifiers without the KEK)",
            .none, nil, .object),
    ]
}
