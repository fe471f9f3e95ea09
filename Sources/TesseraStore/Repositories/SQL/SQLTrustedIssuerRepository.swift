import Foundation
import TesseraCore

/// Trusted issuers, on either engine: one row per issuer, its configuration as a JSON document
/// (`TrustedIssuerDocument`).
struct SQLTrustedIssuerRepository: TrustedIssuerRepository {
    let sql: any SQLExecutor

    func list() async throws -> [TrustedIssuer] {
        try await sql.rows("SELECT document FROM trusted_issuers ORDER BY created_at, id").map(Self.decode)
    }

    func get(issuer: String) async throws -> TrustedIssuer? {
        try await sql.row("SELECT document FROM trusted_issuers WHERE issuer = \(issuer)").map(Self.decode)
    }

    func get(id: String) async throws -> TrustedIssuer? {
        try await sql.row("SELECT document FROM trusted_issuers WHERE id = \(id)").map(Self.decode)
    }

    func insert(_ issuer: TrustedIssuer) async throws {
        let document = try TrustedIssuerDocument.encode(issuer)
        let inserted = try await sql.execute(
            """
            INSERT INTO trusted_issuers (id, issuer, document, created_at)
            VALUES (\(issuer.id), \(issuer.issuer), \(document), \(issuer.createdAt))
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { throw StoreError(.conflict, "issuer \(issuer.issuer) is already trusted") }
    }

    func delete(id: String) async throws -> Bool {
        try await !sql.execute("DELETE FROM trusted_issuers WHERE id = \(id) RETURNING id").isEmpty
    }

    private static func decode(_ row: any SQLRow) throws -> TrustedIssuer {
        try TrustedIssuerDocument.decode(try row.string("document"))
    }
}
