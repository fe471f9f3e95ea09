import Foundation
import TesseraCore

/// Trusted issuers, on either engine: one row per issuer, its configuration as a JSON document (`encode`).
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
        let document = try Self.encode(issuer)
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

    /// The stored document: the issuer as JSON with sorted keys and epoch-second dates.
    static func encode(_ issuer: TrustedIssuer) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(issuer), as: UTF8.self)
    }

    private static func decode(_ row: any SQLRow) throws -> TrustedIssuer {
        let document = try row.string("document")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(TrustedIssuer.self, from: Data(document.utf8))
        } catch {
            throw StoreError(.corrupted, "a trusted_issuers row is not a valid issuer document")
        }
    }
}
