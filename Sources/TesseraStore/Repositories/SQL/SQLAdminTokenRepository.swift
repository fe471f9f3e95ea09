/// Admin tokens (by hash), on either engine.
struct SQLAdminTokenRepository: AdminTokenRepository {
    let sql: any SQLExecutor

    func insert(_ token: AdminTokenRecord) async throws {
        do {
            try await sql.execute(
                """
                INSERT INTO admin_tokens (id, token_hash, name, role, created_at)
                VALUES (\(token.id), \(token.tokenHash), \(token.name), \(token.role), \(token.createdAt))
                """)
        } catch let error as StoreError where error.code == .conflict {
            throw StoreError(.conflict, "an admin token with this id or hash already exists")
        }
    }

    func find(hash: String) async throws -> AdminTokenRecord? {
        try await sql.row("SELECT * FROM admin_tokens WHERE token_hash = \(hash)").map { row in
            AdminTokenRecord(
                id: try row.string("id"), tokenHash: try row.string("token_hash"), name: try row.string("name"),
                role: try row.string("role"), createdAt: try row.date("created_at"))
        }
    }

    func count() async throws -> Int {
        try await sql.count("SELECT COUNT(*) AS n FROM admin_tokens")
    }
}
