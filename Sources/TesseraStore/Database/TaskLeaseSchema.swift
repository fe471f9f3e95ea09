import GRDB

/// Tables for tasks and leases (docs/tasks-leases.md): every credential is a lease, optionally tied to a task.
enum TaskLeaseSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE tasks (
                    id TEXT PRIMARY KEY NOT NULL,
                    intent TEXT NOT NULL,
                    purpose TEXT,
                    initiator TEXT NOT NULL,
                    identities TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    state TEXT NOT NULL,
                    ended_at REAL,
                    end_reason TEXT
                );
                CREATE INDEX tasks_open_expiry ON tasks(state, expires_at);
                CREATE TABLE leases (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    task_id TEXT,
                    issued_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    revoked_at REAL,
                    revoke_reason TEXT
                );
                CREATE INDEX leases_task ON leases(task_id) WHERE task_id IS NOT NULL;
                CREATE INDEX leases_subject ON leases(subject, expires_at);
                CREATE INDEX leases_expiry ON leases(expires_at);
                """)
    }

    /// Dynamic secrets must be destroyed, not just marked revoked: `released_at` records that they were.
    static func addRelease(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE leases ADD COLUMN released_at REAL;
                CREATE INDEX leases_unreleased ON leases(kind, released_at);
                """)
    }
}
