/// The PostgreSQL schema: the same tables, columns and meaning as the SQLite migrations (`Migrations` and the
/// `*Schema` enums), under the same migration ids, in PostgreSQL's dialect: `REAL` epoch seconds become
/// `DOUBLE PRECISION`, `INTEGER` becomes `BIGINT` (or `BOOLEAN` for flags), `BLOB` becomes `BYTEA`,
/// `json_extract` becomes `->>`, and the identity keys collate `"C"` (byte order, as SQLite compares them, so
/// keyset pages and prefix ranges behave the same whatever the database's locale). Every statement is idempotent (`IF NOT EXISTS`), so a database whose audit
/// tables were made by the first `PostgresAuditRecordStore` migrates cleanly. Never edit a shipped migration:
/// add a new one, here and in `Migrations`.
enum PostgresSchema {
    /// Migrations in order: id and statements.
    static let migrations: [(id: String, statements: [String])] = [
        ("001_foundation", foundation),
        ("002_workload_identity", workloadIdentity),
        ("posture_001", posture),
        ("003_tasks_leases", tasksLeases),
        ("004_lease_release", [
            "ALTER TABLE leases ADD COLUMN IF NOT EXISTS released_at DOUBLE PRECISION",
            "CREATE INDEX IF NOT EXISTS leases_unreleased ON leases(kind, released_at)",
        ]),
        ("005_exceptions", exceptions),
        ("006_trusted_issuers", [
            """
            CREATE TABLE IF NOT EXISTS trusted_issuers (
                id TEXT PRIMARY KEY, issuer TEXT NOT NULL UNIQUE, document TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL)
            """
        ]),
        ("007_agent_tools", toolCatalogues),
        ("008_console_indexes", [
            "CREATE INDEX IF NOT EXISTS identities_kind_spiffe ON identities(kind, spiffe_id)",
            "CREATE INDEX IF NOT EXISTS identities_owner_spiffe ON identities(owner, spiffe_id)",
            "CREATE INDEX IF NOT EXISTS identities_environment_spiffe ON identities(environment, spiffe_id)",
            "CREATE INDEX IF NOT EXISTS identities_status_spiffe ON identities(status, spiffe_id)",
            "CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records(((body::jsonb) ->> 'subject'), seq)",
            "CREATE INDEX IF NOT EXISTS audit_records_task ON audit_records(((body::jsonb) ->> 'task'), seq)",
        ]),
        ("009_tool_approval_server", ["ALTER TABLE tool_approvals ADD COLUMN IF NOT EXISTS server TEXT NOT NULL DEFAULT ''"]),
        ("010_audit_mac", AuditKeyingSchema.postgres),
        (IdentityAuthSchema.id, IdentityAuthSchema.postgres),
        (FederationProfileSchema.id, FederationProfileSchema.postgres),
    ]

    private static let foundation = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS identities (
            id TEXT COLLATE "C" PRIMARY KEY, spiffe_id TEXT COLLATE "C" NOT NULL UNIQUE, kind TEXT NOT NULL,
            owner TEXT NOT NULL,
            purpose TEXT NOT NULL, trust_boundary TEXT, environment TEXT, expires_at DOUBLE PRECISION,
            review_by DOUBLE PRECISION, status TEXT NOT NULL, scopes TEXT NOT NULL, audiences TEXT NOT NULL,
            token_ttl BIGINT, jwks TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS identities_owner ON identities(owner)",
        "CREATE INDEX IF NOT EXISTS identities_kind ON identities(kind)",
        "CREATE INDEX IF NOT EXISTS identities_status ON identities(status)",
        "CREATE INDEX IF NOT EXISTS identities_environment ON identities(environment)",
        """
        CREATE TABLE IF NOT EXISTS signing_keys (
            kid TEXT PRIMARY KEY, algorithm TEXT NOT NULL, purpose TEXT NOT NULL, sealed_private_key BYTEA NOT NULL,
            public_jwk TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, status TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS admin_tokens (
            id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS revoked_tokens (
            jti TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION NOT NULL,
            reason TEXT NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS replay_keys (key TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX IF NOT EXISTS replay_keys_expiry ON replay_keys(expires_at)",
        """
        CREATE TABLE IF NOT EXISTS audit_records (
            seq BIGINT PRIMARY KEY, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_head (
            id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)
        """,
    ]

    private static let workloadIdentity = [
        """
        CREATE TABLE IF NOT EXISTS x509_authorities (
            id TEXT PRIMARY KEY, certificate BYTEA NOT NULL, chain TEXT NOT NULL, sealed_private_key BYTEA NOT NULL,
            not_after DOUBLE PRECISION NOT NULL, created_at DOUBLE PRECISION NOT NULL, status TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS nodes (
            id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            attested_at DOUBLE PRECISION)
        """,
        """
        CREATE TABLE IF NOT EXISTS join_tokens (
            token_hash TEXT PRIMARY KEY, node_id TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
            used_at DOUBLE PRECISION, created_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS registration_entries (
            id TEXT PRIMARY KEY, spiffe_id TEXT NOT NULL, node_id TEXT NOT NULL, selectors TEXT NOT NULL,
            x509_ttl BIGINT NOT NULL, jwt_ttl BIGINT NOT NULL, created_at DOUBLE PRECISION NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS registration_entries_node ON registration_entries(node_id)",
        """
        CREATE TABLE IF NOT EXISTS federated_bundles (
            trust_domain TEXT PRIMARY KEY, endpoint_url TEXT NOT NULL, bundle BYTEA, fetched_at DOUBLE PRECISION,
            last_error TEXT, created_at DOUBLE PRECISION NOT NULL)
        """,
    ]

    private static let posture = [
        """
        CREATE TABLE IF NOT EXISTS posture_owners (
            name TEXT PRIMARY KEY, status TEXT NOT NULL, departed_at DOUBLE PRECISION,
            updated_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS posture_reassignments (
            identity_id TEXT PRIMARY KEY, previous_owner TEXT NOT NULL, queued_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS posture_static_secrets (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, location TEXT NOT NULL, fingerprint TEXT NOT NULL,
            redacted TEXT NOT NULL, owner TEXT, source TEXT NOT NULL, last_rotated_at DOUBLE PRECISION,
            rotation_period_days BIGINT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL, UNIQUE (fingerprint, location))
        """,
        """
        CREATE TABLE IF NOT EXISTS posture_finding_states (
            id TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT, until DOUBLE PRECISION, actor TEXT,
            updated_at DOUBLE PRECISION NOT NULL)
        """,
    ]

    private static let tasksLeases = [
        """
        CREATE TABLE IF NOT EXISTS tasks (
            id TEXT PRIMARY KEY, intent TEXT NOT NULL, purpose TEXT, initiator TEXT NOT NULL, identities TEXT NOT NULL,
            scopes TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
            state TEXT NOT NULL, ended_at DOUBLE PRECISION, end_reason TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS tasks_open_expiry ON tasks(state, expires_at)",
        """
        CREATE TABLE IF NOT EXISTS leases (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, task_id TEXT,
            issued_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
            revoked_at DOUBLE PRECISION, revoke_reason TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS leases_task ON leases(task_id) WHERE task_id IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS leases_subject ON leases(subject, expires_at)",
        "CREATE INDEX IF NOT EXISTS leases_expiry ON leases(expires_at)",
    ]

    private static let exceptions = [
        """
        CREATE TABLE IF NOT EXISTS exceptions (
            id TEXT PRIMARY KEY, identity TEXT NOT NULL, owner TEXT NOT NULL, justification TEXT NOT NULL,
            actions TEXT NOT NULL, scopes TEXT NOT NULL, audiences TEXT NOT NULL, created_by TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
            revoked_at DOUBLE PRECISION, revoke_reason TEXT, uses BIGINT NOT NULL DEFAULT 0,
            last_used_at DOUBLE PRECISION, expiry_recorded BOOLEAN NOT NULL DEFAULT FALSE)
        """,
        "CREATE INDEX IF NOT EXISTS exceptions_identity ON exceptions(identity, expires_at)",
        "CREATE INDEX IF NOT EXISTS exceptions_expiry ON exceptions(expiry_recorded, expires_at)",
    ]

    private static let toolCatalogues = [
        """
        CREATE TABLE IF NOT EXISTS agent_tools (
            identity TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, risk TEXT NOT NULL,
            requires_approval BOOLEAN NOT NULL, PRIMARY KEY (identity, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS tool_approvals (
            id TEXT PRIMARY KEY, task_id TEXT NOT NULL, agent TEXT NOT NULL, tool TEXT NOT NULL,
            arguments_digest TEXT NOT NULL, resource TEXT, chain TEXT NOT NULL, state TEXT NOT NULL,
            requested_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
            decided_at DOUBLE PRECISION, decided_by TEXT, reason TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS tool_approvals_state ON tool_approvals(state, requested_at)",
        "CREATE INDEX IF NOT EXISTS tool_approvals_call ON tool_approvals(task_id, agent, tool, arguments_digest)",
        """
        CREATE TABLE IF NOT EXISTS task_tool_calls (
            task_id TEXT PRIMARY KEY, calls BIGINT NOT NULL, last_call_at DOUBLE PRECISION NOT NULL)
        """,
    ]
}
