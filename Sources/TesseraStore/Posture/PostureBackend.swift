import GRDB
import GRDBSQLite
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

    /// Runs `sql` with `arguments` on a reader and calls `row` with the statement at each row, read in place through
    /// SQLite's C API (no `Row` copies: posture folds millions of rows). Blocks the calling thread. SQLite only;
    /// `what` names the scan in errors.
    func scan(_ what: String, _ sql: String, _ arguments: StatementArguments, row: (SQLiteStatement) throws -> Void) throws {
        guard case .sqlite(let pool) = self else {
            throw StoreError(.unavailable, "the PostgreSQL \(what) scan is asynchronous: call stream")
        }
        try pool.read { db in
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(arguments)
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return }
                guard code == SQLITE_ROW else {
                    throw StoreError(
                        .unavailable, "\(what) scan failed: \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
                }
                try row(handle)
            }
        }
    }

    /// Runs `query` on a pooled connection, for as long as the stream takes (no operation limit), and calls `rows`
    /// with its rows. PostgreSQL only; `what` names the scan in errors.
    func stream(
        _ what: String, _ query: PostgresQuery, rows: (PostgresRowSequence) async throws -> Void
    ) async throws {
        guard case .postgres(let database) = self else {
            throw StoreError(.unavailable, "the SQLite \(what) scan blocks: call scan(after:through:) off the cooperative pool")
        }
        do {
            try await database.client.withConnection { connection in
                try await rows(try await connection.query(query, logger: database.logger))
            }
        } catch {
            throw database.storeError(error)
        }
    }
}
