/// The tables of the first migrations (`Schema.migrations`), in SQLite's spelling.
extension Schema {
    static let foundation = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS identities (
            id TEXT COLLATE "C" PRIMARY KEY NOT NULL, spiffe_id TEXT COLLATE "C" NOT NULL UNIQUE, kind TEXT NOT NULL,
            owner TEXT NOT NULL, purpose TEXT NOT NULL, trust_boundary TEXT, environment TEXT, expires_at REAL,
            review_by REAL, status TEXT NOT NULL, scopes TEXT NOT NULL, audiences TEXT NOT NULL, token_ttl INTEGER,
            jwks TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS identities_owner ON identities(owner)",
        "CREATE INDEX IF NOT EXISTS identities_kind ON identities(kind)",
        "CREATE INDEX IF NOT EXISTS identities_status ON identities(status)",
        "CREATE INDEX IF NOT EXISTS identities_environment ON identities(environment)",
        """
        CREATE TABLE IF NOT EXISTS signing_keys (
            kid TEXT PRIMARY KEY NOT NULL, algorithm TEXT NOT NULL, purpose TEXT NOT NULL, sealed_private_key BLOB NOT NULL,
            public_jwk TEXT NOT NULL, created_at REAL NOT NULL, status TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS admin_tokens (
            id TEXT PRIMARY KEY NOT NULL, token_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
            created_at REAL NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS revoked_tokens (
            jti TEXT PRIMARY KEY NOT NULL, expires_at REAL NOT NULL, revoked_at REAL NOT NULL, reason TEXT NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS replay_keys (key TEXT PRIMARY KEY NOT NULL, expires_at REAL NOT NULL)",
        "CREATE INDEX IF NOT EXISTS replay_keys_expiry ON replay_keys(expires_at)",
        """
        CREATE TABLE IF NOT EXISTS audit_records (
            seq INTEGER PRIMARY KEY NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_head (
            id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)
        """,
    ]

    /// SPIFFE CA, nodes, join tokens, registration entries, federation.
    static let workloadIdentity = [
        """
        CREATE TABLE IF NOT EXISTS x509_authorities (
            id TEXT PRIMARY KEY NOT NULL, certificate BLOB NOT NULL, chain TEXT NOT NULL, sealed_private_key BLOB NOT NULL,
            not_after REAL NOT NULL, created_at REAL NOT NULL, status TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS nodes (
            id TEXT PRIMARY KEY NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL, attested_at REAL)
        """,
        """
        CREATE TABLE IF NOT EXISTS join_tokens (
            token_hash TEXT PRIMARY KEY NOT NULL, node_id TEXT NOT NULL, expires_at REAL NOT NULL, used_at REAL,
            created_at REAL NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS registration_entries (
            id TEXT PRIMARY KEY NOT NULL, spiffe_id TEXT NOT NULL, node_id TEXT NOT NULL, selectors TEXT NOT NULL,
            x509_ttl INTEGER NOT NULL, jwt_ttl INTEGER NOT NULL, created_at REAL NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS registration_entries_node ON registration_entries(node_id)",
        """
        CREATE TABLE IF NOT EXISTS federated_bundles (
            trust_domain TEXT PRIMARY KEY NOT NULL, endpoint_url TEXT NOT NULL, bundle BLOB, fetched_at REAL,
            last_error TEXT, created_at REAL NOT NULL)
        """,
    ]

    /// Owners and their departure, the re-assignment queue, tracked static secrets, the lifecycle state of findings.
    static let posture = [
        """
        CREATE TABLE IF NOT EXISTS posture_owners (
            name TEXT PRIMARY KEY NOT NULL, status TEXT NOT NULL, departed_at REAL, updated_at REAL NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS posture_reassignments (
            identity_id TEXT PRIMARY KEY NOT NULL, previous_owner TEXT NOT NULL, queued_at REAL NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS posture_static_secrets (
            id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, location TEXT NOT NULL, fingerprint TEXT NOT NULL,
            redacted TEXT NOT NULL, owner TEXT, source TEXT NOT NULL, last_rotated_at REAL,
            rotation_period_days INTEGER NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
            UNIQUE (fingerprint, location))
        """,
        """
        CREATE TABLE IF NOT EXISTS posture_finding_states (
            id TEXT PRIMARY KEY NOT NULL, status TEXT NOT NULL, reason TEXT, until REAL, actor TEXT,
            updated_at REAL NOT NULL)
        """,
    ]

    /// Tasks and leases (docs/tasks-leases.md): every credential is a lease, optionally tied to a task.
    static let tasksLeases = [
        """
        CREATE TABLE IF NOT EXISTS tasks (
            id TEXT PRIMARY KEY NOT NULL, intent TEXT NOT NULL, purpose TEXT, initiator TEXT NOT NULL,
            identities TEXT NOT NULL, scopes TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL,
            state TEXT NOT NULL, ended_at REAL, end_reason TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS tasks_open_expiry ON tasks(state, expires_at)",
        """
        CREATE TABLE IF NOT EXISTS leases (
            id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, task_id TEXT, issued_at REAL NOT NULL,
            expires_at REAL NOT NULL, revoked_at REAL, revoke_reason TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS leases_task ON leases(task_id) WHERE task_id IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS leases_subject ON leases(subject, expires_at)",
        "CREATE INDEX IF NOT EXISTS leases_expiry ON leases(expires_at)",
    ]

    /// Time-bound policy exceptions; `expiry_recorded` marks those whose expiry the sweeper audited.
    static let exceptions = [
        """
        CREATE TABLE IF NOT EXISTS exceptions (
            id TEXT PRIMARY KEY NOT NULL, identity TEXT NOT NULL, owner TEXT NOT NULL, justification TEXT NOT NULL,
            actions TEXT NOT NULL, scopes TEXT NOT NULL, audiences TEXT NOT NULL, created_by TEXT NOT NULL,
            created_at REAL NOT NULL, expires_at REAL NOT NULL, revoked_at REAL, revoke_reason TEXT,
            uses INTEGER NOT NULL DEFAULT 0, last_used_at REAL, expiry_recorded FLAG NOT NULL DEFAULT FALSE)
        """,
        "CREATE INDEX IF NOT EXISTS exceptions_identity ON exceptions(identity, expires_at)",
        "CREATE INDEX IF NOT EXISTS exceptions_expiry ON exceptions(expiry_recorded, expires_at)",
    ]

    /// AI-agent tool catalogues, approvals of high-risk calls, per-task call counters (docs/ai-agents.md).
    static let toolCatalogues = [
        """
        CREATE TABLE IF NOT EXISTS agent_tools (
            identity TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, risk TEXT NOT NULL,
            requires_approval FLAG NOT NULL, PRIMARY KEY (identity, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS tool_approvals (
            id TEXT PRIMARY KEY NOT NULL, task_id TEXT NOT NULL, agent TEXT NOT NULL, tool TEXT NOT NULL,
            arguments_digest TEXT NOT NULL, resource TEXT, chain TEXT NOT NULL, state TEXT NOT NULL,
            requested_at REAL NOT NULL, expires_at REAL NOT NULL, decided_at REAL, decided_by TEXT, reason TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS tool_approvals_state ON tool_approvals(state, requested_at)",
        "CREATE INDEX IF NOT EXISTS tool_approvals_call ON tool_approvals(task_id, agent, tool, arguments_digest)",
        """
        CREATE TABLE IF NOT EXISTS task_tool_calls (
            task_id TEXT PRIMARY KEY NOT NULL, calls INTEGER NOT NULL, last_call_at REAL NOT NULL)
        """,
    ]
}

extension Schema {
    /// Identities found outside Tessera (keyed on source and external id) and the runs that found them. The
    /// observation and the claim are JSON documents written and read only by `SQLDiscoveryRepository`.
    static let discovery = [
        """
        CREATE TABLE IF NOT EXISTS discovered_identities (
            id TEXT COLLATE "C" PRIMARY KEY NOT NULL, source TEXT NOT NULL, scope TEXT NOT NULL,
            external_id TEXT COLLATE "C" NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
            owner TEXT, observation TEXT NOT NULL, claim TEXT, migrated_to TEXT, discovered_at REAL NOT NULL,
            last_seen_at REAL NOT NULL, gone_at REAL, updated_at REAL NOT NULL, UNIQUE (source, external_id))
        """,
        "CREATE INDEX IF NOT EXISTS discovered_identities_scope ON discovered_identities(source, scope)",
        "CREATE INDEX IF NOT EXISTS discovered_identities_status ON discovered_identities(status, id)",
        """
        CREATE TABLE IF NOT EXISTS discovery_runs (
            id TEXT PRIMARY KEY NOT NULL, source TEXT NOT NULL, scope TEXT NOT NULL, started_at REAL NOT NULL,
            finished_at REAL NOT NULL, complete FLAG NOT NULL DEFAULT FALSE, counts TEXT NOT NULL, problems TEXT NOT NULL,
            source_findings TEXT NOT NULL, actor TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS discovery_runs_scope ON discovery_runs(source, scope, finished_at)",
    ]
}
