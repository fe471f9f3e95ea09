import GRDB

/// The table of time-bound policy exceptions (docs/tasks-leases.md). `expiry_recorded` marks exceptions whose expiry
/// was written to the audit log by the sweeper.
enum ExceptionSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE exceptions (
                    id TEXT PRIMARY KEY NOT NULL,
                    identity TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    justification TEXT NOT NULL,
                    actions TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    audiences TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    revoked_at REAL,
                    revoke_reason TEXT,
                    uses INTEGER NOT NULL DEFAULT 0,
                    last_used_at REAL,
                    expiry_recorded INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX exceptions_identity ON exceptions(identity, expires_at);
                CREATE INDEX exceptions_expiry ON exceptions(expiry_recorded, expires_at);
                """)
    }
}
