import GRDB

/// Tables of migration `002_workload_identity` (SPIFFE CA, nodes, join tokens, entries, federation).
enum WorkloadIdentitySchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE x509_authorities (
                    id TEXT PRIMARY KEY NOT NULL,
                    certificate BLOB NOT NULL,
                    chain TEXT NOT NULL,
                    sealed_private_key BLOB NOT NULL,
                    not_after REAL NOT NULL,
                    created_at REAL NOT NULL,
                    status TEXT NOT NULL
                );
                CREATE TABLE nodes (
                    id TEXT PRIMARY KEY NOT NULL,
                    status TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    attested_at REAL
                );
                CREATE TABLE join_tokens (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    node_id TEXT NOT NULL,
                    expires_at REAL NOT NULL,
                    used_at REAL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE registration_entries (
                    id TEXT PRIMARY KEY NOT NULL,
                    spiffe_id TEXT NOT NULL,
                    node_id TEXT NOT NULL,
                    selectors TEXT NOT NULL,
                    x509_ttl INTEGER NOT NULL,
                    jwt_ttl INTEGER NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX registration_entries_node ON registration_entries(node_id);
                CREATE TABLE federated_bundles (
                    trust_domain TEXT PRIMARY KEY NOT NULL,
                    endpoint_url TEXT NOT NULL,
                    bundle BLOB,
                    fetched_at REAL,
                    last_error TEXT,
                    created_at REAL NOT NULL
                );
                """)
    }
}
