/// Runs statements on one engine: the interface every SQL repository is written against.
///
/// Errors leave as `StoreError` without the SQL text or bound values: `conflict` for a uniqueness violation,
/// `unavailable` when the engine cannot take the statement now, `corrupted` for a schema or row that is not
/// Tessera's.
public protocol SQLExecutor: Sendable {
    /// How this engine spells placeholders, lists, JSON access and row locks.
    var dialect: SQLDialect { get }

    /// Runs a query that changes nothing and returns its rows (SQLite reads it on a reader connection).
    func rows(_ sql: SQL) async throws -> [any SQLRow]

    /// Runs a query that reads a few rows by key (an index lookup on the request path) and returns them. SQLite
    /// runs it on the calling thread, on a connection of its own (`SQLiteLookupConnection`): no hand-off to a reader
    /// queue and back, which costs more than the read itself. Only for statements an index bounds (the calling thread
    /// waits for other lookups); a scan belongs in `rows`.
    func lookup(_ sql: SQL) async throws -> [any SQLRow]

    /// Runs a statement that writes, and returns the rows of its `RETURNING` clause (none without one).
    @discardableResult
    func execute(_ sql: SQL) async throws -> [any SQLRow]

    /// Runs a statement that writes, as `execute`, but without waiting for it to be flushed to disk where the engine
    /// lets the executor choose (SQLite: the writer commits it with `synchronous = NORMAL`, so the next durable
    /// commit's fsync of the write-ahead log carries it). On PostgreSQL it is `execute`: a statement that should not
    /// wait for its flush says so itself (`set_config('synchronous_commit', 'off', true)`).
    @discardableResult
    func executeUnflushed(_ sql: SQL) async throws -> [any SQLRow]

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws. `body` must use only
    /// the executor it is given (on SQLite a statement through another would wait for this transaction).
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result
}

extension SQLExecutor {
    public func lookup(_ sql: SQL) async throws -> [any SQLRow] { try await rows(sql) }

    /// The first row of a `lookup`, if any.
    public func lookupRow(_ sql: SQL) async throws -> (any SQLRow)? { try await lookup(sql).first }

    @discardableResult
    public func executeUnflushed(_ sql: SQL) async throws -> [any SQLRow] { try await execute(sql) }

    /// The first row of a query, if any.
    public func row(_ sql: SQL) async throws -> (any SQLRow)? { try await rows(sql).first }

    /// The integer in column `column` of the first row of a query (a count), 0 without rows.
    public func count(_ sql: SQL, column: String = "n") async throws -> Int {
        try await rows(sql).first?.int(column) ?? 0
    }
}
