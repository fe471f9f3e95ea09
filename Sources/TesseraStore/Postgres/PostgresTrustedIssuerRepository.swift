import Foundation
import PostgresNIO
import TesseraCore

/// Trusted issuers in PostgreSQL: one row per issuer, its configuration as the same JSON document as SQLite's.
struct PostgresTrustedIssuerRepository: TrustedIssuerRepository {
    let database: PostgresDatabase

    func list() async throws -> [TrustedIssuer] {
        try await database.rows("SELECT document FROM trusted_issuers ORDER BY created_at, id").map(Self.decode)
    }

    func get(issuer: String) async throws -> TrustedIssuer? {
        try await database.rows("SELECT document FROM trusted_issuers WHERE issuer = \(issuer)").first.map(Self.decode)
    }

    func get(id: String) async throws -> TrustedIssuer? {
        try await database.rows("SELECT document FROM trusted_issuers WHERE id = \(id)").first.map(Self.decode)
    }

    func insert(_ issuer: TrustedIssuer) async throws {
        let document = try TrustedIssuerDocument.encode(issuer)
        let inserted = try await database.rows(
            """
            INSERT INTO trusted_issuers (id, issuer, document, created_at)
            VALUES (\(issuer.id), \(issuer.issuer), \(document), \(issuer.createdAt.epoch))
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { throw StoreError(.conflict, "issuer \(issuer.issuer) is already trusted") }
    }

    func delete(id: String) async throws -> Bool {
        try await !database.rows("DELETE FROM trusted_issuers WHERE id = \(id) RETURNING id").isEmpty
    }

    private static func decode(_ row: PostgresRow) throws -> TrustedIssuer {
        try TrustedIssuerDocument.decode(try row.value("document", as: String.self))
    }
}
