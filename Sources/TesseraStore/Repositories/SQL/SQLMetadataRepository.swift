/// Installation settings (`meta`), on either engine.
struct SQLMetadataRepository: MetadataRepository {
    let sql: any SQLExecutor

    func value(for key: String) async throws -> String? {
        try await sql.row("SELECT value FROM meta WHERE key = \(key)")?.string("value")
    }

    func set(_ value: String, for key: String) async throws {
        try await sql.execute(
            "INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    }
}
