import Logging
import PostgresNIO

/// Applies `Schema.migrations`, then `PostgresRoutines.migrations`, that a database lacks, recording each id in `schema_migrations`.
///
/// Everything happens in one transaction holding a transaction-scoped advisory lock (per schema), so two
/// servers starting at once against an empty database do not race: the second waits, then sees every migration applied and
/// does nothing. PostgreSQL's DDL is transactional, so a failed migration leaves no half-made schema.
enum PostgresMigrator {
    /// The advisory-lock class of migrations ("tsmg" in ASCII); the second key is the schema's hash, so servers
    /// sharing a schema take turns while databases with several Tessera schemas migrate them in parallel.
    static let lockClass: Int32 = 0x7473_6d67

    /// Migrates the database (the schema on the connection's `search_path`); returns the ids it applied.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.transaction(locking: lockClass, logger: logger) {
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var done: Set<String> = []
            for row in try await connection.rows("SELECT id FROM schema_migrations", logger: logger) {
                done.insert(try PostgresSQLRow(row).string("id"))
            }
            var applied: [String] = []
            let migrations = Schema.migrations.map { ($0.id, Schema.statements(of: $0.statements, for: .postgres)) }
            for (id, statements) in migrations + PostgresRoutines.migrations where !done.contains(id) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (id) VALUES (\(id))", logger: logger)
                applied.append(id)
            }
            return applied
        }
    }
}
