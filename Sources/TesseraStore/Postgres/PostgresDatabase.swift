import Foundation
import Logging
import PostgresNIO

/// What every PostgreSQL repository shares: the pool (`PostgresPool`), and the two ways the repositories talk
/// to it: a single statement, or a transaction on one leased connection. Every error leaves as a `StoreError`
/// without the SQL text, the bound values or the password. Every operation is bounded (`PostgresDeadline`): while
/// PostgreSQL is away callers get `unavailable` within seconds, and nothing waits forever on a dead connection.
struct PostgresDatabase: Sendable {
    let pool: PostgresPool
    let endpoint: PostgresEndpoint
    let logger: Logger
    /// Shared by every copy (every repository of one storage): the limits and whether PostgreSQL looks down.
    var deadline = PostgresDeadline()

    var client: PostgresClient { pool.client }

    /// Runs one statement and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = self.logger
        do {
            return try await withConnection { connection in try await connection.rows(query, logger: logger) }
        } catch {
            throw storeError(error)
        }
    }

    /// Runs `body` in a transaction (`BEGIN` ... `COMMIT`) on one connection; rolls back when it throws.
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        do {
            return try await withConnection { connection in
                try await connection.transaction(logger: logger) { try await body(connection) }
            }
        } catch {
            throw storeError(error)
        }
    }

    /// Leases a connection and runs `body` on it within `deadline`'s limits; the driver's errors pass unchanged,
    /// a timeout is a `StoreError(.unavailable)`.
    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await deadline.run(on: client, endpoint: endpoint, body)
    }

    /// Translates a driver error into a `StoreError` that names the server but no secret or value.
    func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                switch state {
                case "23505": return StoreError(.conflict, "the record already exists")
                case "40001", "40P01": return StoreError(.conflict, "a concurrent write conflicted; retry")
                case "42P01", "42703":
                    return StoreError(.corrupted, "the PostgreSQL schema at \(endpoint) is not Tessera's (SQLSTATE \(state))")
                default: return StoreError(.unavailable, "PostgreSQL at \(endpoint) refused the statement (SQLSTATE \(state))")
                }
            }
            return StoreError(.unavailable, "cannot reach PostgreSQL at \(endpoint)")
        }
        if error is CancellationError { return StoreError(.unavailable, "the PostgreSQL request was cancelled") }
        return StoreError(.unavailable, "cannot reach PostgreSQL at \(endpoint)")
    }
}

extension PostgresConnection {
    /// Rolls back the open transaction; if that fails (e.g. the task was cancelled mid-statement), closes the
    /// connection so the pool never hands out one that is still inside a transaction.
    /// A connection that already closed is left alone: postgres-nio drops a query written to a closed channel and
    /// never answers it, so a `ROLLBACK` there would wait forever (PostgreSQL rolled the transaction back anyway).
    func rollbackOrClose(logger: Logger) async {
        guard !isClosed else { return }
        do {
            try await query("ROLLBACK", logger: logger)
        } catch {
            try? await close()
        }
    }

    /// Runs `body` in a transaction on this connection (`BEGIN` ... `COMMIT`), first taking the transaction-scoped
    /// advisory lock of class `lockClass` for the current schema when one is given; rolls back when `body` throws.
    func transaction<Result>(
        locking lockClass: Int32? = nil, logger: Logger, _ body: () async throws -> Result
    ) async throws -> Result {
        try await query("BEGIN", logger: logger)
        do {
            if let lockClass {
                try await query("SELECT pg_advisory_xact_lock(\(lockClass), hashtext(current_schema()))", logger: logger)
            }
            let result = try await body()
            try await query("COMMIT", logger: logger)
            return result
        } catch {
            await rollbackOrClose(logger: logger)
            throw error
        }
    }

    /// Runs `query` and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row) }
        return rows
    }
}
