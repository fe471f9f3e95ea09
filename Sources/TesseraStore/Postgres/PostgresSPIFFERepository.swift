import Foundation
import PostgresNIO
import TesseraCore

/// Workload identity in PostgreSQL. A join token is consumed by one conditional `UPDATE ... RETURNING`: when
/// two servers present the same token at once, the second waits for the row, re-reads it as used and gets
/// nothing, so a token attests one node once. The bundle sequence is an atomic upsert-increment.
struct PostgresSPIFFERepository: SPIFFERepository {
    let database: PostgresDatabase

    func authorities() async throws -> [StoredX509Authority] {
        try await database.rows(
            "SELECT * FROM x509_authorities WHERE status IN ('active', 'published') ORDER BY created_at DESC"
        ).map { row in
            StoredX509Authority(
                id: try row.value("id"), certificate: try row.value("certificate"),
                chain: try row.value("chain", as: String.self).split(separator: "\n").compactMap {
                    Data(base64Encoded: String($0))
                },
                sealedPrivateKey: try row.value("sealed_private_key"), notAfter: try row.date("not_after"),
                createdAt: try row.date("created_at"), status: try row.value("status"))
        }
    }

    func insertAuthority(_ authority: StoredX509Authority) async throws {
        let chain = authority.chain.map { $0.base64EncodedString() }.joined(separator: "\n")
        try await database.rows(
            try """
            INSERT INTO x509_authorities (id, certificate, chain, sealed_private_key, not_after, created_at, status)
            VALUES (\(authority.id), \(authority.certificate), \(chain), \(authority.sealedPrivateKey),
              \(authority.notAfter.epoch), \(authority.createdAt.epoch), \(authority.status))
            """)
    }

    func setAuthorityStatus(id: String, status: String) async throws {
        try await database.rows("UPDATE x509_authorities SET status = \(status) WHERE id = \(id)")
    }

    func insertJoinToken(hash: String, nodeID: String, expiresAt: Date, createdAt: Date) async throws {
        let logger = database.logger
        try await database.transaction { connection in
            try await connection.query(
                """
                INSERT INTO nodes (id, status, created_at) VALUES (\(nodeID), 'pending', \(createdAt.epoch))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO join_tokens (token_hash, node_id, expires_at, created_at)
                VALUES (\(hash), \(nodeID), \(expiresAt.epoch), \(createdAt.epoch))
                """, logger: logger)
        }
    }

    func consumeJoinToken(hash: String, now: Date) async throws -> String? {
        let logger = database.logger
        return try await database.transaction { connection in
            let used = try await connection.rows(
                """
                UPDATE join_tokens t SET used_at = \(now.epoch) FROM nodes n
                WHERE t.token_hash = \(hash) AND t.used_at IS NULL AND t.expires_at > \(now.epoch)
                  AND n.id = t.node_id AND n.status <> 'revoked'
                RETURNING t.node_id AS node_id
                """, logger: logger)
            guard let nodeID = try used.first?.value("node_id", as: String.self) else { return nil }
            try await connection.query(
                "UPDATE nodes SET status = 'active', attested_at = \(now.epoch) WHERE id = \(nodeID)", logger: logger)
            return nodeID
        }
    }

    func node(id: String) async throws -> NodeRecord? {
        try await database.rows("SELECT * FROM nodes WHERE id = \(id)").first.map(Self.node)
    }

    func nodes() async throws -> [NodeRecord] {
        try await database.rows("SELECT * FROM nodes ORDER BY id").map(Self.node)
    }

    func setNodeStatus(id: String, status: String) async throws -> Bool {
        try await !database.rows("UPDATE nodes SET status = \(status) WHERE id = \(id) RETURNING id").isEmpty
    }

    private static func node(_ row: PostgresRow) throws -> NodeRecord {
        NodeRecord(
            id: try row.value("id"), status: try row.value("status"), createdAt: try row.date("created_at"),
            attestedAt: try row.optionalDate("attested_at"))
    }

    func insertEntry(_ entry: RegistrationEntry) async throws {
        let selectors = entry.selectors.map(\.description).joined(separator: "\n")
        try await database.rows(
            """
            INSERT INTO registration_entries (id, spiffe_id, node_id, selectors, x509_ttl, jwt_ttl, created_at)
            VALUES (\(entry.id), \(entry.spiffeID.description), \(entry.nodeID), \(selectors), \(entry.x509TTL),
              \(entry.jwtTTL), \(entry.createdAt.epoch))
            """)
    }

    func entries(nodeID: String?) async throws -> [RegistrationEntry] {
        let rows: [PostgresRow]
        if let nodeID {
            rows = try await database.rows("SELECT * FROM registration_entries WHERE node_id = \(nodeID) ORDER BY id")
        } else {
            rows = try await database.rows("SELECT * FROM registration_entries ORDER BY id")
        }
        return try rows.compactMap(Self.entry)
    }

    func entry(id: String) async throws -> RegistrationEntry? {
        try await database.rows("SELECT * FROM registration_entries WHERE id = \(id)").first.flatMap(Self.entry)
    }

    func deleteEntry(id: String) async throws -> Bool {
        try await !database.rows("DELETE FROM registration_entries WHERE id = \(id) RETURNING id").isEmpty
    }

    /// An entry, or nil for a row whose SPIFFE ID no longer parses (as the SQLite store skips it).
    private static func entry(_ row: PostgresRow) throws -> RegistrationEntry? {
        guard let id = try? SPIFFEID(parsing: try row.value("spiffe_id")) else { return nil }
        let selectors = try row.value("selectors", as: String.self).split(separator: "\n").compactMap {
            try? WorkloadSelector(parsing: String($0))
        }
        return RegistrationEntry(
            id: try row.value("id"), spiffeID: id, nodeID: try row.value("node_id"), selectors: selectors,
            x509TTL: try row.value("x509_ttl"), jwtTTL: try row.value("jwt_ttl"), createdAt: try row.date("created_at"))
    }

    func upsertFederation(
        trustDomain: String, endpointURL: String, profile: String, endpointSPIFFEID: String?, now: Date
    ) async throws {
        try await database.rows(
            """
            INSERT INTO federated_bundles (trust_domain, endpoint_url, created_at, profile, endpoint_spiffe_id)
            VALUES (\(trustDomain), \(endpointURL), \(now.epoch), \(profile), \(endpointSPIFFEID))
            ON CONFLICT (trust_domain) DO UPDATE SET endpoint_url = excluded.endpoint_url, profile = excluded.profile,
              endpoint_spiffe_id = excluded.endpoint_spiffe_id
            """)
    }

    func recordFederationFetch(trustDomain: String, bundle: Data?, error: String?, now: Date) async throws {
        if let bundle {
            try await database.rows(
                try """
                UPDATE federated_bundles SET bundle = \(bundle), fetched_at = \(now.epoch), last_error = NULL
                WHERE trust_domain = \(trustDomain)
                """)
        } else {
            try await database.rows(
                "UPDATE federated_bundles SET last_error = \(error ?? "fetch failed") WHERE trust_domain = \(trustDomain)")
        }
    }

    func federations() async throws -> [FederationRecord] {
        try await database.rows("SELECT * FROM federated_bundles ORDER BY trust_domain").map { row in
            FederationRecord(
                trustDomain: try row.value("trust_domain"), endpointURL: try row.value("endpoint_url"),
                bundle: try row.value("bundle"), fetchedAt: try row.optionalDate("fetched_at"),
                lastError: try row.value("last_error"), createdAt: try row.date("created_at"),
                profile: try row.value("profile"), endpointSPIFFEID: try row.value("endpoint_spiffe_id"))
        }
    }

    func deleteFederation(trustDomain: String) async throws -> Bool {
        try await !database.rows("DELETE FROM federated_bundles WHERE trust_domain = \(trustDomain) RETURNING trust_domain")
            .isEmpty
    }

    func nextBundleSequence() async throws -> Int {
        let rows = try await database.rows(
            """
            INSERT INTO meta (key, value) VALUES ('spiffe_bundle_sequence', '1')
            ON CONFLICT (key) DO UPDATE SET value = (COALESCE(NULLIF(meta.value, '')::BIGINT, 0) + 1)::TEXT
            RETURNING value
            """)
        guard let value = try rows.first?.value("value", as: String.self), let next = Int(value) else {
            throw StoreError(.corrupted, "the bundle sequence is not a number")
        }
        return next
    }

    func bundleSequence() async throws -> Int {
        try await database.rows("SELECT value FROM meta WHERE key = 'spiffe_bundle_sequence'").first
            .flatMap { Int(try $0.value("value", as: String.self)) } ?? 0
    }
}
