import Foundation

/// The schema of both engines, written once: the migrations in order, each an id and its statements in SQLite's
/// spelling, which `statements(of:for:)` renders for PostgreSQL: `REAL` epoch seconds become `DOUBLE PRECISION`,
/// `INTEGER` becomes `BIGINT`, `FLAG` columns `BOOLEAN` (SQLite: 0/1 `INTEGER`), `BLOB` becomes `BYTEA`,
/// `json_extract(c, '$.k')` becomes `((c::jsonb) ->> 'k')`, and the identity keys collate `"C"` (byte order, as
/// SQLite compares them, so keyset pages and prefix ranges behave the same whatever the database's locale).
/// Every statement is idempotent on PostgreSQL (`IF NOT EXISTS`). Never edit a shipped migration: add one.
enum Schema {
    /// Migrations in order: id and statements (SQLite's spelling).
    static let migrations: [(id: String, statements: [String])] = [
        ("001_foundation", foundation),
        ("002_workload_identity", workloadIdentity),
        ("posture_001", posture),
        ("003_tasks_leases", tasksLeases),
        (
            "004_lease_release",
            [
                "ALTER TABLE leases ADD COLUMN IF NOT EXISTS released_at REAL",
                "CREATE INDEX IF NOT EXISTS leases_unreleased ON leases(kind, released_at)",
            ]
        ),
        ("005_exceptions", exceptions),
        (
            "006_trusted_issuers",
            [
                """
                CREATE TABLE IF NOT EXISTS trusted_issuers (id TEXT PRIMARY KEY NOT NULL, issuer TEXT NOT NULL UNIQUE,
                    document TEXT NOT NULL, created_at REAL NOT NULL)
                """
            ]
        ),
        ("007_agent_tools", toolCatalogues),
        // The console's keyset pages of the inventory under each filter, and an identity's or a task's audit records.
        (
            "008_console_indexes",
            [
                "CREATE INDEX IF NOT EXISTS identities_kind_spiffe ON identities(kind, spiffe_id)",
                "CREATE INDEX IF NOT EXISTS identities_owner_spiffe ON identities(owner, spiffe_id)",
                "CREATE INDEX IF NOT EXISTS identities_environment_spiffe ON identities(environment, spiffe_id)",
                "CREATE INDEX IF NOT EXISTS identities_status_spiffe ON identities(status, spiffe_id)",
                "CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records(json_extract(body, '$.subject'), seq)",
                "CREATE INDEX IF NOT EXISTS audit_records_task ON audit_records(json_extract(body, '$.task'), seq)",
            ]
        ),
        // Approvals name the upstream MCP server of the call ('' when none was named).
        ("009_tool_approval_server", ["ALTER TABLE tool_approvals ADD COLUMN IF NOT EXISTS server TEXT NOT NULL DEFAULT ''"]),
        // Keyed audit records: each record's HMAC and the recorded head's; older records keep NULL (legacy, unkeyed).
        (
            "010_audit_mac",
            [
                "ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS mac TEXT",
                "ALTER TABLE audit_head ADD COLUMN IF NOT EXISTS mac TEXT",
            ]
        ),
        // The authentication methods each identity declares; identities that existed before keep every method they
        // could use then (`AuthMethod.legacy`), so an upgrade locks no workload out.
        (
            "011_identity_auth_methods",
            [
                "ALTER TABLE identities ADD COLUMN IF NOT EXISTS auth_methods TEXT NOT NULL "
                    + "DEFAULT '\(SQLIdentityRepository.legacyAuthMethods)'"
            ]
        ),
        // The bundle endpoint profile of each federation relationship (`https_web` or `https_spiffe`) and the SPIFFE
        // ID an `https_spiffe` endpoint must present.
        (
            "012_federation_profile",
            [
                "ALTER TABLE federated_bundles ADD COLUMN IF NOT EXISTS profile TEXT NOT NULL DEFAULT 'https_web'",
                "ALTER TABLE federated_bundles ADD COLUMN IF NOT EXISTS endpoint_spiffe_id TEXT",
            ]
        ),
        ("013_discovery", discovery),
        // Automated responses to findings and signals (docs/risk.md): each taken once across servers; holds.
        (
            "015_responses",
            [
                """
                CREATE TABLE IF NOT EXISTS response_actions (
                    key TEXT PRIMARY KEY NOT NULL, rule TEXT NOT NULL, identity_id TEXT NOT NULL, subject TEXT NOT NULL,
                    actions TEXT NOT NULL, dry_run FLAG NOT NULL DEFAULT FALSE, hold FLAG NOT NULL DEFAULT FALSE,
                    created_at REAL NOT NULL, released_at REAL, released_by TEXT)
                """,
                "CREATE INDEX IF NOT EXISTS response_actions_holds ON response_actions(identity_id, released_at)",
            ]
        ),
        // The audit sinks' outbox: per sink the last delivered chain seq, and the lease of the server delivering to it.
        (
            "014_audit_sink_cursors",
            [
                """
                CREATE TABLE IF NOT EXISTS audit_sink_cursors (sink TEXT PRIMARY KEY NOT NULL,
                    delivered_seq INTEGER NOT NULL DEFAULT 0, holder TEXT, lease_expires_at REAL, updated_at REAL NOT NULL)
                """
            ]
        ),
        // Named audit chains: every record names its chain ('' the unnamed one) and its place in it (NULL: its seq),
        // and each chain has its own head row. SQLite keeps one chain; PostgreSQL's part is `pg_002_audit_chains`.
        (
            "015_audit_chains",
            [
                "ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS chain TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS chain_seq INTEGER",
                "ALTER TABLE audit_head ADD COLUMN IF NOT EXISTS chain TEXT NOT NULL DEFAULT ''",
            ]
        ),
        // A version per table that readers keep in memory (posture's inventory, docs/posture.md): every write to the
        // table bumps it, in the writer's transaction, by a trigger (`SQLiteRoutines`, `PostgresRoutines`), so a reader
        // that finds the version it read before knows the table is unchanged without reading it.
        (
            "016_change_counters",
            [
                "CREATE TABLE IF NOT EXISTS change_counters (name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL)",
                "INSERT INTO change_counters (name, version) VALUES ('identities', 0) ON CONFLICT DO NOTHING",
            ]
        ),
    ]

    /// `statements` as `dialect` spells them.
    static func statements(of statements: [String], for dialect: SQLDialect) -> [String] {
        statements.map { statement in
            switch dialect {
            case .sqlite:
                return statement.replacingOccurrences(of: "ADD COLUMN IF NOT EXISTS", with: "ADD COLUMN")
                    .replacingOccurrences(of: " COLLATE \"C\"", with: "")
                    .replacingOccurrences(of: "FLAG NOT NULL DEFAULT FALSE", with: "INTEGER NOT NULL DEFAULT 0")
                    .replacingOccurrences(of: "FLAG", with: "INTEGER")
            case .postgres:
                return statement.replacingOccurrences(of: #"\bREAL\b"#, with: "DOUBLE PRECISION", options: .regularExpression)
                    .replacingOccurrences(of: #"\bINTEGER\b"#, with: "BIGINT", options: .regularExpression)
                    .replacingOccurrences(of: #"\bBLOB\b"#, with: "BYTEA", options: .regularExpression)
                    .replacingOccurrences(of: "FLAG", with: "BOOLEAN")
                    .replacingOccurrences(
                        of: #"json_extract\((\w+), '\$\.(\w+)'\)"#, with: "(($1::jsonb) ->> '$2')", options: .regularExpression)
            }
        }
    }
}
