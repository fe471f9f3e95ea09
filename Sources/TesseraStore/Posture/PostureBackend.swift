import GRDB
import PostgresNIO

/// Where posture's raw readers read from: SQLite (blocking statements, run on threads of their own) or PostgreSQL
/// (streamed over the pool).
enum PostureBackend: Sendable {
    case sqlite(DatabasePool)
    case postgres(PostgresDatabase)

    /// Whether reading blocks the calling thread (SQLite).
    var blocks: Bool {
        if case .sqlite = self { return true }
        return false
    }

    /// Plain statements (short reads) on either engine.
    var sql: any SQLExecutor {
        switch self {
        case .sqlite(let pool): SQLiteExecutor(pool: pool)
        case .postgres(let database): PostgresExecutor(database: database)
        }
    }
}
