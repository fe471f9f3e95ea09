import GRDB

/// Schema migrations, applied in order on start. Never edit a shipped migration: add a new one.
enum Migrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001_foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE identities (
                        id TEXT PRIMARY KEY NOT NULL,
                        spiffe_id TEXT NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        owner TEXT NOT NULL,
                        purpose TEXT NOT NULL,
                        trust_boundary TEXT,
                        environment TEXT,
                        expires_at REAL,
                        review_by REAL,
                        status TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        audiences TEXT NOT NULL,
                        token_ttl INTEGER,
                        jwks TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX identities_owner ON identities(owner);
                    CREATE INDEX identities_kind ON identities(kind);
                    CREATE INDEX identities_status ON identities(status);
                    CREATE INDEX identities_environment ON identities(environment);
                    CREATE TABLE signing_keys (
                        kid TEXT PRIMARY KEY NOT NULL,
                        algorithm TEXT NOT NULL,
                        purpose TEXT NOT NULL,
                        sealed_private_key BLOB NOT NULL,
                        public_jwk TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        status TEXT NOT NULL
                    );
                    CREATE TABLE admin_tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE TABLE revoked_tokens (
                        jti TEXT PRIMARY KEY NOT NULL,
                        expires_at REAL NOT NULL,
                        revoked_at REAL NOT NULL,
                        reason TEXT NOT NULL
                    );
                    CREATE TABLE replay_keys (key TEXT PRIMARY KEY NOT NULL, expires_at REAL NOT NULL);
                    CREATE INDEX replay_keys_expiry ON replay_keys(expires_at);
                    CREATE TABLE audit_records (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE TABLE audit_head (
                        id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
                        seq INTEGER NOT NULL,
                        hash TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("002_workload_identity") { db in
            try WorkloadIdentitySchema.create(db)
        }
        migrator.registerMigration("posture_001") { db in try PostureSchema.create(db) }
        migrator.registerMigration("003_tasks_leases") { db in try TaskLeaseSchema.create(db) }
        migrator.registerMigration("004_lease_release") { db in try TaskLeaseSchema.addRelease(db) }
        migrator.registerMigration("005_exceptions") { db in try ExceptionSchema.create(db) }
        migrator.registerMigration("006_trusted_issuers") { db in try TrustedIssuerSchema.create(db) }
        migrator.registerMigration("007_agent_tools") { db in try ToolCatalogueSchema.create(db) }
        migrator.registerMigration("008_console_indexes") { db in try ConsoleSchema.create(db) }
        migrator.registerMigration("009_tool_approval_server") { db in try ToolCatalogueSchema.addApprovalServer(db) }
        migrator.registerMigration("010_audit_mac") { db in try AuditKeyingSchema.create(db) }
        migrator.registerMigration(IdentityAuthSchema.id) { db in try IdentityAuthSchema.create(db) }
        migrator.registerMigration(FederationProfileSchema.id) { db in try FederationProfileSchema.create(db) }
        return migrator
    }
}
