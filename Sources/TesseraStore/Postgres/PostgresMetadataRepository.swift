import PostgresNIO

/// Installation settings (`meta`) in PostgreSQL.
struct PostgresMetadataRepository: MetadataRepository {
    let database: PostgresDatabase

    func value(for key: String) async throws -> String? {
        try await database.rows("SELECT value FROM meta WHERE key = \(key)").first?.value("value", as: String.self)
    }

    func set(_ value: String, for key: String) async throws {
        try await database.rows(
            "INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    }
}
