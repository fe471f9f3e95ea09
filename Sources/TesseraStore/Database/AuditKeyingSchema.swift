import GRDB

/// Keyed audit records (migration `009_audit_mac`): each record's HMAC, and the recorded head's. Records written
/// before it keep a NULL MAC and verify as legacy, unkeyed records (see `AuditVerifier`).
enum AuditKeyingSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE audit_records ADD COLUMN mac TEXT;
                ALTER TABLE audit_head ADD COLUMN mac TEXT;
                """)
    }

    /// The same, for PostgreSQL (`PostgresSchema`).
    static let postgres = [
        "ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS mac TEXT",
        "ALTER TABLE audit_head ADD COLUMN IF NOT EXISTS mac TEXT",
    ]
}
