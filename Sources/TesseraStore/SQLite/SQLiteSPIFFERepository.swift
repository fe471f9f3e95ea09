import Foundation
import GRDB
import TesseraCore

struct SQLiteSPIFFERepository: SPIFFERepository {
    let pool: DatabasePool

    func authorities() async throws -> [StoredX509Authority] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM x509_authorities WHERE status IN ('active', 'published') ORDER BY created_at DESC"
            ).map { row in
                let chain: String = row["chain"]
                return StoredX509Authority(
                    id: row["id"], certificate: row["certificate"],
                    chain: chain.split(separator: "\n").compactMap { Data(base64Encoded: String($0)) },
                    sealedPrivateKey: row["sealed_private_key"], notAfter: Date(epoch: row["not_after"]),
                    createdAt: Date(epoch: row["created_at"]), status: row["status"])
            }
        }
    }

    func insertAuthority(_ authority: StoredX509Authority) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO x509_authorities (id, certificate, chain, sealed_private_key, not_after, created_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    authority.id, authority.certificate,
                    authority.chain.map { $0.base64EncodedString() }.joined(separator: "\n"), authority.sealedPrivateKey,
                    authority.notAfter.epoch, authority.createdAt.epoch, authority.status,
                ])
        }
    }

    func setAuthorityStatus(id: String, status: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE x509_authorities SET status = ? WHERE id = ?", arguments: [status, id])
        }
    }

    func insertJoinToken(hash: String, nodeID: String, expiresAt: Date, createdAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO nodes (id, status, created_at) VALUES (?, 'pending', ?)",
                arguments: [nodeID, createdAt.epoch])
            try db.execute(
                sql: "INSERT INTO join_tokens (token_hash, node_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, nodeID, expiresAt.epoch, createdAt.epoch])
        }
    }

    func consumeJoinToken(hash: String, now: Date) async throws -> String? {
        try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT t.node_id AS node_id FROM join_tokens t JOIN nodes n ON n.id = t.node_id
                        WHERE t.token_hash = ? AND t.used_at IS NULL AND t.expires_at > ? AND n.status != 'revoked'
                        """,
                    arguments: [hash, now.epoch])
            else { return nil }
            let nodeID: String = row["node_id"]
            try db.execute(sql: "UPDATE join_tokens SET used_at = ? WHERE token_hash = ?", arguments: [now.epoch, hash])
            try db.execute(
                sql: "UPDATE nodes SET status = 'active', attested_at = ? WHERE id = ?", arguments: [now.epoch, nodeID])
            return nodeID
        }
    }

    func node(id: String) async throws -> NodeRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM nodes WHERE id = ?", arguments: [id]).map(Self.node)
        }
    }

    func nodes() async throws -> [NodeRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM nodes ORDER BY id").map(Self.node) }
    }

    func setNodeStatus(id: String, status: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE nodes SET status = ? WHERE id = ?", arguments: [status, id])
            return db.changesCount > 0
        }
    }

    private static func node(_ row: Row) -> NodeRecord {
        NodeRecord(
            id: row["id"], status: row["status"], createdAt: Date(epoch: row["created_at"]),
            attestedAt: (row["attested_at"] as Double?).map(Date.init(epoch:)))
    }

    func insertEntry(_ entry: RegistrationEntry) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO registration_entries (id, spiffe_id, node_id, selectors, x509_ttl, jwt_ttl, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.id, entry.spiffeID.description, entry.nodeID,
                    entry.selectors.map(\.description).joined(separator: "\n"), entry.x509TTL, entry.jwtTTL,
                    entry.createdAt.epoch,
                ])
        }
    }

    func entries(nodeID: String?) async throws -> [RegistrationEntry] {
        try await pool.read { db in
            let rows: [Row]
            if let nodeID {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM registration_entries WHERE node_id = ? ORDER BY id", arguments: [nodeID])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM registration_entries ORDER BY id")
            }
            return rows.compactMap(Self.entry)
        }
    }

    func entry(id: String) async throws -> RegistrationEntry? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM registration_entries WHERE id = ?", arguments: [id]).flatMap(Self.entry)
        }
    }

    func deleteEntry(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM registration_entries WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    private static func entry(_ row: Row) -> RegistrationEntry? {
        let selectorText: String = row["selectors"]
        guard let id = try? SPIFFEID(parsing: row["spiffe_id"]) else { return nil }
        let selectors = selectorText.split(separator: "\n").compactMap { try? WorkloadSelector(parsing: String($0)) }
        return RegistrationEntry(
            id: row["id"], spiffeID: id, nodeID: row["node_id"], selectors: selectors, x509TTL: row["x509_ttl"],
            jwtTTL: row["jwt_ttl"], createdAt: Date(epoch: row["created_at"]))
    }

    func upsertFederation(
        trustDomain: String, endpointURL: String, profile: String, endpointSPIFFEID: String?, now: Date
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO federated_bundles (trust_domain, endpoint_url, created_at, profile, endpoint_spiffe_id)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(trust_domain) DO UPDATE SET endpoint_url = excluded.endpoint_url, profile = excluded.profile,
                      endpoint_spiffe_id = excluded.endpoint_spiffe_id
                    """,
                arguments: [trustDomain, endpointURL, now.epoch, profile, endpointSPIFFEID])
        }
    }

    func recordFederationFetch(trustDomain: String, bundle: Data?, error: String?, now: Date) async throws {
        try await pool.write { db in
            if let bundle {
                try db.execute(
                    sql: "UPDATE federated_bundles SET bundle = ?, fetched_at = ?, last_error = NULL WHERE trust_domain = ?",
                    arguments: [bundle, now.epoch, trustDomain])
            } else {
                try db.execute(
                    sql: "UPDATE federated_bundles SET last_error = ? WHERE trust_domain = ?",
                    arguments: [error ?? "fetch failed", trustDomain])
            }
        }
    }

    func federations() async throws -> [FederationRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM federated_bundles ORDER BY trust_domain").map { row in
                FederationRecord(
                    trustDomain: row["trust_domain"], endpointURL: row["endpoint_url"], bundle: row["bundle"],
                    fetchedAt: (row["fetched_at"] as Double?).map(Date.init(epoch:)), lastError: row["last_error"],
                    createdAt: Date(epoch: row["created_at"]), profile: row["profile"], endpointSPIFFEID: row["endpoint_spiffe_id"])
            }
        }
    }

    func deleteFederation(trustDomain: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM federated_bundles WHERE trust_domain = ?", arguments: [trustDomain])
            return db.changesCount > 0
        }
    }

    func nextBundleSequence() async throws -> Int {
        try await pool.write { db in
            let current = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'spiffe_bundle_sequence'")
            let next = (current.flatMap(Int.init) ?? 0) + 1
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('spiffe_bundle_sequence', ?)", arguments: [String(next)])
            return next
        }
    }

    func bundleSequence() async throws -> Int {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'spiffe_bundle_sequence'").flatMap(Int.init) ?? 0
        }
    }
}
