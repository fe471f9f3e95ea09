import Foundation
import GRDB

/// `SQLExecutor` on the SQLite pool: queries on reader connections, writes on the writer, a transaction on the
/// writer for as long as its body runs (`SQLiteTransactionChannel`).
struct SQLiteExecutor: SQLExecutor {
    let pool: DatabasePool
    /// Where `lookup` reads on the calling thread; without it, lookups are `rows`.
    private let lookups: SQLiteLookupConnection?
    /// Set inside a transaction: statements go to the writer that holds it open.
    private let channel: SQLiteTransactionChannel?

    init(pool: DatabasePool, lookups: SQLiteLookupConnection? = nil) {
        self.pool = pool
        self.lookups = lookups
        channel = nil
    }

    private init(pool: DatabasePool, channel: SQLiteTransactionChannel) {
        self.pool = pool
        self.lookups = nil
        self.channel = channel
    }

    var dialect: SQLDialect { .sqlite }

    func rows(_ sql: SQL) async throws -> [any SQLRow] {
        if let channel { return try await channel.run(sql) }
        do {
            return try await pool.read { db in try Self.run(sql, in: db) }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// On the lookup connection, on the calling thread (`SQLiteLookupConnection`); never on a pool reader.
    func lookup(_ sql: SQL) async throws -> [any SQLRow] {
        if let channel { return try await channel.run(sql) }
        guard let lookups else { return try await rows(sql) }
        do {
            return try lookups.rows(sql)
        } catch {
            throw Self.storeError(error)
        }
    }

    @discardableResult
    func execute(_ sql: SQL) async throws -> [any SQLRow] {
        if let channel { return try await channel.run(sql) }
        do {
            return try await pool.write { db in try Self.run(sql, in: db) }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// On the writer, outside any open transaction: `synchronous = NORMAL` for this statement's commit only, then
    /// back to `FULL` (the writer's setting) before any other write runs. (On the writer's queue, not the calling
    /// thread: the writer may be in the middle of a durable commit, and a cooperative thread must not wait out its fsync.)
    @discardableResult
    func executeUnflushed(_ sql: SQL) async throws -> [any SQLRow] {
        if let channel { return try await channel.run(sql) }
        do {
            return try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                let result = Result {
                    var rows: [any SQLRow] = []
                    try db.inTransaction {
                        rows = try Self.run(sql, in: db)
                        return .commit
                    }
                    return rows
                }
                // (The audit append also makes sure of FULL before every batch: `SQLiteAuditRecordStore`.)
                try db.execute(sql: "PRAGMA synchronous = FULL")
                return try result.get()
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        if channel != nil { return try await body(self) }
        let channel = SQLiteTransactionChannel()
        let pool = self.pool
        async let served: Void = channel.serve(on: pool)
        let result: Result
        do {
            result = try await body(SQLiteExecutor(pool: pool, channel: channel))
        } catch {
            channel.end(commit: false)
            try? await served
            throw Self.storeError(error)
        }
        channel.end(commit: true)
        do {
            try await served
        } catch {
            throw Self.storeError(error)
        }
        return result
    }

    /// Runs one statement on `db` and copies its rows out; `cached` keeps the prepared statement for the next
    /// run of the same text (bulk writes).
    static func run(_ sql: SQL, in db: Database, cached: Bool = false) throws -> [any SQLRow] {
        let (text, values) = SQLDialect.sqlite.render(sql)
        try SQLValue.checkStorable(values)
        let statement = try cached ? db.cachedStatement(sql: text) : db.makeStatement(sql: text)
        try statement.setArguments(StatementArguments(values.map(databaseValue)))
        let columns = SQLiteRow.Columns(statement.columnNames)
        var rows: [any SQLRow] = []
        let cursor = try Row.fetchCursor(statement)
        while let row = try cursor.next() { rows.append(SQLiteRow(columns: columns, row: row)) }
        return rows
    }

    private static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .int(let number): number.databaseValue
        case .double(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .bytes(let data): data.databaseValue
        case .bool(let flag): (flag ? 1 : 0).databaseValue
        case .texts(let list): JSONList.encode(list).databaseValue
        }
    }

    /// SQLite's error as a `StoreError`: a uniqueness (or other constraint) violation is a conflict; a file that
    /// is not Tessera's schema is corrupted; anything else (full disk, locked, I/O) is unavailable.
    static func storeError(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        let message = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        switch error.resultCode {
        case .SQLITE_CONSTRAINT: return StoreError(.conflict, "the record already exists")
        case .SQLITE_ERROR, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_SCHEMA, .SQLITE_MISMATCH:
            return StoreError(.corrupted, "the SQLite database refused the statement: \(message)")
        default:
            return StoreError(.unavailable, "the SQLite database cannot take the statement now: \(message)")
        }
    }
}
