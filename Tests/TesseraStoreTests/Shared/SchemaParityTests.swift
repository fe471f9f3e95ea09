import Foundation
import Testing

@testable import TesseraStore

/// The two engines hold the same schema: the same tables with the same column names, and column types that
/// correspond (SQLite's `PRAGMA table_info` against PostgreSQL's `information_schema.columns`), so a repository
/// written once reads and writes both.
@Suite(.needsPostgres) struct SchemaParityTests {
    /// A column type as both engines' types map onto the shared storage classes.
    private static func storageClass(sqlite type: String) -> String {
        switch type.uppercased() {
        case "TEXT": "text"
        case "REAL": "real"
        case "INTEGER": "integer"
        case "BLOB": "bytes"
        default: "unknown SQLite type \(type)"
        }
    }

    private static func storageClass(postgres type: String) -> String {
        switch type {
        case "text": "text"
        case "double precision": "real"
        case "bigint", "integer", "boolean": "integer"
        case "bytea": "bytes"
        default: "unknown PostgreSQL type \(type)"
        }
    }

    private func sqliteColumns(_ storage: SQLiteStorage) async throws -> [String: [String: String]] {
        let sql = storage.sql
        var tables: [String: [String: String]] = [:]
        let names = try await sql.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'")
        for name in try names.map({ try $0.string("name") }) {
            for column in try await sql.rows("SELECT name, type FROM pragma_table_info(\(name))") {
                tables[name, default: [:]][try column.string("name")] = Self.storageClass(sqlite: try column.string("type"))
            }
        }
        return tables
    }

    private func postgresColumns(_ storage: PostgresStorage) async throws -> [String: [String: String]] {
        var tables: [String: [String: String]] = [:]
        let columns = try await storage.sql.rows(
            """
            SELECT table_name::TEXT AS table_name, column_name::TEXT AS column_name, data_type::TEXT AS data_type
            FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
            """)
        for column in columns {
            tables[try column.string("table_name"), default: [:]][try column.string("column_name")] =
                Self.storageClass(postgres: try column.string("data_type"))
        }
        return tables
    }

    @Test func bothEnginesHaveTheSameTablesColumnsAndTypes() async throws {
        try await withStorage(.sqlite) { sqliteFixture in
            try await withStorage(.postgresql) { postgresFixture in
                let sqlite = try await sqliteColumns(try #require(sqliteFixture.primary as? SQLiteStorage))
                let postgres = try await postgresColumns(try #require(postgresFixture.primary as? PostgresStorage))
                #expect(sqlite.count >= 20, "the SQLite schema was read: \(sqlite.keys.sorted())")
                #expect(Set(sqlite.keys) == Set(postgres.keys))
                for table in Set(sqlite.keys).union(postgres.keys).sorted() {
                    #expect(sqlite[table] == postgres[table], "table \(table)")
                }
            }
        }
    }
}
