import GRDB
import TesseraCore

/// Migration 011: the authentication methods each identity declares (docs/threat-model.md, "Authentication methods"). Identities that existed
/// before keep every method they could use then (`AuthMethod.legacy`), so an upgrade locks no workload out;
/// operators narrow them with `tessera identity update --auth`.
enum IdentityAuthSchema {
    static let id = "011_identity_auth_methods"
    static let legacyDefault = JSONList.encode(AuthMethod.legacy.map(\.rawValue))

    static func create(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE identities ADD COLUMN auth_methods TEXT NOT NULL DEFAULT '\(legacyDefault)'")
    }

    static let postgres = [
        "ALTER TABLE identities ADD COLUMN IF NOT EXISTS auth_methods TEXT NOT NULL DEFAULT '\(legacyDefault)'"
    ]

    /// The stored form: a JSON array of method names.
    static func encode(_ methods: [AuthMethod]) -> String { JSONList.encode(methods.map(\.rawValue)) }

    /// Decodes the stored form; a name this version does not know is a corrupt row, not a silent drop.
    static func decode(_ text: String) throws -> [AuthMethod] {
        do {
            return try AuthMethod.parse(JSONList.decode(text))
        } catch {
            throw StoreError(.corrupted, "identity row has an unknown authentication method")
        }
    }
}
