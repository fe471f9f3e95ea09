/// Triggers Tessera keeps in its SQLite database, each a migration of its own after `Schema.migrations` (SQLite only;
/// PostgreSQL's are in `PostgresRoutines`). Never changed once shipped: a new version is a new migration.
enum SQLiteRoutines {
    static let migrations: [(id: String, statements: [String])] = [
        ("sqlite_001_change_counters", ["INSERT", "UPDATE", "DELETE"].map { changeCounter(table: "identities", on: $0) })
    ]

    /// Bumps the `change_counters` row of `table` (`016_change_counters`) on every `operation` on one of its rows, in
    /// the writer's transaction.
    static func changeCounter(table: String, on operation: String) -> String {
        """
        CREATE TRIGGER IF NOT EXISTS \(table)_changed_\(operation.lowercased()) AFTER \(operation) ON \(table)
        BEGIN UPDATE change_counters SET version = version + 1 WHERE name = '\(table)'; END
        """
    }
}
