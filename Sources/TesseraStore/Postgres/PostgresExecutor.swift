import Foundation
import NIOCore
import PostgresNIO

/// `SQLExecutor` on PostgreSQL: each statement on a pooled connection within `PostgresDeadline`'s limits, a
/// transaction on one leased connection (`BEGIN` ... `COMMIT`, rolled back when its body throws).
struct PostgresExecutor: SQLExecutor {
    let database: PostgresDatabase
    /// Set inside a transaction: the connection that holds it.
    private let connection: PostgresConnection?

    init(database: PostgresDatabase) {
        self.database = database
        connection = nil
    }

    private init(database: PostgresDatabase, connection: PostgresConnection) {
        self.database = database
        self.connection = connection
    }

    var dialect: SQLDialect { .postgres }

    func rows(_ sql: SQL) async throws -> [any SQLRow] {
        let query = try Self.query(sql)
        let rows: [PostgresRow]
        if let connection {
            do {
                rows = try await connection.rows(query, logger: database.logger)
            } catch {
                throw database.storeError(error)
            }
        } else {
            rows = try await database.rows(query)
        }
        return rows.map(PostgresSQLRow.init)
    }

    @discardableResult
    func execute(_ sql: SQL) async throws -> [any SQLRow] { try await rows(sql) }

    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        if connection != nil { return try await body(self) }
        let database = self.database
        return try await database.transaction { connection in
            try await body(PostgresExecutor(database: database, connection: connection))
        }
    }

    /// The statement with numbered placeholders and its values bound.
    static func query(_ sql: SQL) throws(StoreError) -> PostgresQuery {
        let (text, values) = SQLDialect.postgres.render(sql)
        try SQLValue.checkStorable(values)
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .int(let number): bindings.append(number)
            case .double(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .bytes(let data): bindings.append(ByteBuffer(bytes: data))
            case .bool(let flag): bindings.append(flag)
            case .texts(let list): bindings.append(list)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }
}
