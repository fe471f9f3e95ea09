import GRDB

/// The `trusted_issuers` table (docs/federation.md): one row per external issuer, its configuration as a JSON document.
enum TrustedIssuerSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE trusted_issuers (
                    id TEXT PRIMARY KEY NOT NULL,
                    issuer TEXT NOT NULL UNIQUE,
                    document TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                """)
    }
}
