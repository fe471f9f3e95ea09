import GRDB

/// Tables for posture (migration `posture_001`): owners and their departure, the re-assignment queue,
/// tracked static secrets, and the lifecycle state of findings.
enum PostureSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE posture_owners (
                    name TEXT PRIMARY KEY NOT NULL,
                    status TEXT NOT NULL,
                    departed_at REAL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE posture_reassignments (
                    identity_id TEXT PRIMARY KEY NOT NULL,
                    previous_owner TEXT NOT NULL,
                    queued_at REAL NOT NULL
                );
                CREATE TABLE posture_static_secrets (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    location TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    redacted TEXT NOT NULL,
                    owner TEXT,
                    source TEXT NOT NULL,
                    last_rotated_at REAL,
                    rotation_period_days INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    UNIQUE (fingerprint, location)
                );
                CREATE TABLE posture_finding_states (
                    id TEXT PRIMARY KEY NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT,
                    until REAL,
                    actor TEXT,
                    updated_at REAL NOT NULL
                );
                """)
    }
}
