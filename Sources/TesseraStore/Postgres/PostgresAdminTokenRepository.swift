import Foundation
import PostgresNIO

/// Admin tokens (by hash) in PostgreSQL.
struct PostgresAdminTokenRepository: AdminTokenRepository {
    let database: PostgresDatabase

    func insert(_ token: AdminTokenRecord) async throws {
        do {
            try await database.rows(
                """
                INSERT INTO admin_tokens (id, token_hash, name, role, created_at)
                VALUES (\(token.id), \(token.tokenHash), \(token.name), \(token.role), \(token.createdAt.epoch))
                """)
        } catch let error as StoreError where error.code == .conflict {
            throw StoreError(.conflict, "an admin token with this id or hash already exists")
        }
    }

    func find(hash: String) async throws -> AdminTokenRecord? {
        try await database.rows("SELECT * FROM admin_tokens WHERE token_hash = \(hash)").first.map { row in
            AdminTokenRecord(
                id: try row.value("id"), tokenHash: try row.value("token_hash"), name: try row.value("name"),
                role: try row.value("role"), createdAt: try row.date("created_at"))
        }
    }

    func count() async throws -> Int {
        try await database.rows("SELECT count(*) AS n FROM admin_tokens").first?.value("n", as: Int.self) ?? 0
    }
}
