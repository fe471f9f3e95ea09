import Foundation
import GRDB
import TesseraCore

struct SQLiteTrustedIssuerRepository: TrustedIssuerRepository {
    let pool: DatabasePool

    func list() async throws -> [TrustedIssuer] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM trusted_issuers ORDER BY created_at, id").map(Self.decode)
        }
    }

    func get(issuer: String) async throws -> TrustedIssuer? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM trusted_issuers WHERE issuer = ?", arguments: [issuer])
                .map(Self.decode)
        }
    }

    func get(id: String) async throws -> TrustedIssuer? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM trusted_issuers WHERE id = ?", arguments: [id])
                .map(Self.decode)
        }
    }

    func insert(_ issuer: TrustedIssuer) async throws {
        let document = try TrustedIssuerDocument.encode(issuer)
        try await pool.write { db in
            let exists = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM trusted_issuers WHERE issuer = ? OR id = ?", arguments: [issuer.issuer, issuer.id])
            guard exists != true else { throw StoreError(.conflict, "issuer \(issuer.issuer) is already trusted") }
            try db.execute(
                sql: "INSERT INTO trusted_issuers (id, issuer, document, created_at) VALUES (?, ?, ?, ?)",
                arguments: [issuer.id, issuer.issuer, document, issuer.createdAt.epoch])
        }
    }

    func delete(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM trusted_issuers WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    private static func decode(_ document: String) throws -> TrustedIssuer {
        try TrustedIssuerDocument.decode(document)
    }
}

extension TesseraDatabase {
    /// Trusted external issuers (token exchange, human sign-in).
    public var trustedIssuers: any TrustedIssuerRepository { SQLiteTrustedIssuerRepository(pool: pool) }
}
