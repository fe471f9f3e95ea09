import GRDB

/// Indexes the web console reads with (docs/console.md): keyset pages of the inventory ordered by SPIFFE ID under
/// each filter, and an identity's or a task's audit records without scanning the chain.
enum ConsoleSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX identities_kind_spiffe ON identities(kind, spiffe_id);
                CREATE INDEX identities_owner_spiffe ON identities(owner, spiffe_id);
                CREATE INDEX identities_environment_spiffe ON identities(environment, spiffe_id);
                CREATE INDEX identities_status_spiffe ON identities(status, spiffe_id);
                CREATE INDEX audit_records_subject ON audit_records(json_extract(body, '$.subject'), seq);
                CREATE INDEX audit_records_task ON audit_records(json_extract(body, '$.task'), seq);
                """)
    }
}
