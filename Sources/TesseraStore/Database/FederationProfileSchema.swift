import GRDB

/// Migration 012: the bundle endpoint profile of each federation relationship (`https_web`, the only one before, or
/// `https_spiffe`) and the SPIFFE ID an `https_spiffe` endpoint must present.
enum FederationProfileSchema {
    static let id = "012_federation_profile"

    static func create(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE federated_bundles ADD COLUMN profile TEXT NOT NULL DEFAULT 'https_web'")
        try db.execute(sql: "ALTER TABLE federated_bundles ADD COLUMN endpoint_spiffe_id TEXT")
    }

    static let postgres = [
        "ALTER TABLE federated_bundles ADD COLUMN IF NOT EXISTS profile TEXT NOT NULL DEFAULT 'https_web'",
        "ALTER TABLE federated_bundles ADD COLUMN IF NOT EXISTS endpoint_spiffe_id TEXT",
    ]
}
