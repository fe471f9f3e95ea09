import Foundation
import TesseraCore

/// Workload identity, on either engine. A join token is consumed by one conditional `UPDATE ... RETURNING`: when
/// two servers present the same token at once, the second waits for the row, re-reads it as used and gets
/// nothing, so a token attests one node once. The bundle sequence is an atomic upsert-increment.
struct SQLSPIFFERepository: SPIFFERepository {
    let sql: any SQLExecutor

    func authorities() async throws -> [StoredX509Authority] {
        try await sql.rows("SELECT * FROM x509_authorities WHERE status IN ('active', 'published') ORDER BY created_at DESC")
            .map { row in
                StoredX509Authority(
                    id: try row.string("id"), certificate: try row.bytes("certificate"),
                    chain: try row.string("chain").split(separator: "\n").compactMap { Data(base64Encoded: String($0)) },
                    sealedPrivateKey: try row.bytes("sealed_private_key"), notAfter: try row.date("not_after"),
                    createdAt: try row.date("created_at"), status: try row.string("status"))
            }
    }

    func insertAuthority(_ authority: StoredX509Authority) async throws {
        let chain = authority.chain.map { $0.base64EncodedString() }.joined(separator: "\n")
        try await sql.execute(
            """
            INSERT INTO x509_authorities (id, certificate, chain, sealed_private_key, not_after, created_at, status)
            VALUES (\(authority.id), \(authority.certificate), \(chain), \(authority.sealedPrivateKey), \(authority.notAfter),
              \(authority.createdAt), \(authority.status))
            """)
    }

    func setAuthorityStatus(id: String, status: String) async throws {
        try await sql.execute("UPDATE x509_authorities SET status = \(status) WHERE id = \(id)")
    }

    func insertJoinToken(hash: String, nodeID: String, expiresAt: Date, createdAt: Date) async throws {
        try await sql.transaction { sql in
            try await sql.execute(
                """
                INSERT INTO nodes (id, status, created_at) VALUES (\(nodeID), 'pending', \(createdAt))
                ON CONFLICT (id) DO NOTHING
                """)
            try await sql.execute(
                """
                INSERT INTO join_tokens (token_hash, node_id, expires_at, created_at)
                VALUES (\(hash), \(nodeID), \(expiresAt), \(createdAt))
                """)
        }
    }

    func consumeJoinToken(hash: String, now: Date) async throws -> String? {
        try await sql.transaction { sql in
            let used = try await sql.execute(
                """
                UPDATE join_tokens AS t SET used_at = \(now) FROM nodes AS n
                WHERE t.token_hash = \(hash) AND t.used_at IS NULL AND t.expires_at > \(now)
                  AND n.id = t.node_id AND n.status <> 'revoked'
                RETURNING node_id
                """)
            guard let nodeID = try used.first?.string("node_id") else { return nil }
            try await sql.execute("UPDATE nodes SET status = 'active', attested_at = \(now) WHERE id = \(nodeID)")
            return nodeID
        }
    }

    func node(id: String) async throws -> NodeRecord? {
        try await sql.lookupRow("SELECT * FROM nodes WHERE id = \(id)").map(Self.node)
    }

    func nodes() async throws -> [NodeRecord] {
        try await sql.rows("SELECT * FROM nodes ORDER BY id").map(Self.node)
    }

    func setNodeStatus(id: String, status: String) async throws -> Bool {
        try await !sql.execute("UPDATE nodes SET status = \(status) WHERE id = \(id) RETURNING id").isEmpty
    }

    private static func node(_ row: any SQLRow) throws -> NodeRecord {
        NodeRecord(
            id: try row.string("id"), status: try row.string("status"), createdAt: try row.date("created_at"),
            attestedAt: try row.optionalDate("attested_at"))
    }

    func insertEntry(_ entry: RegistrationEntry) async throws {
        let selectors = entry.selectors.map(\.description).joined(separator: "\n")
        try await sql.execute(
            """
            INSERT INTO registration_entries (id, spiffe_id, node_id, selectors, x509_ttl, jwt_ttl, created_at)
            VALUES (\(entry.id), \(entry.spiffeID.description), \(entry.nodeID), \(selectors), \(entry.x509TTL),
              \(entry.jwtTTL), \(entry.createdAt))
            """)
    }

    func entries(nodeID: String?) async throws -> [RegistrationEntry] {
        // A node's entries are an indexed read on every agent request: on the lookup connection (`SQLExecutor.lookup`).
        guard let nodeID else {
            return try await sql.rows("SELECT * FROM registration_entries ORDER BY id").compactMap(Self.entry)
        }
        return try await sql.lookup("SELECT * FROM registration_entries WHERE node_id = \(nodeID) ORDER BY id")
            .compactMap(Self.entry)
    }

    func entry(id: String) async throws -> RegistrationEntry? {
        try await sql.lookupRow("SELECT * FROM registration_entries WHERE id = \(id)").flatMap(Self.entry)
    }

    func deleteEntry(id: String) async throws -> Bool {
        try await !sql.execute("DELETE FROM registration_entries WHERE id = \(id) RETURNING id").isEmpty
    }

    /// An entry, or nil for a row whose SPIFFE ID no longer parses (skipped, not an error).
    private static func entry(_ row: any SQLRow) throws -> RegistrationEntry? {
        guard let id = try? SPIFFEID(parsing: try row.string("spiffe_id")) else { return nil }
        let selectors = try row.string("selectors").split(separator: "\n").compactMap {
            try? WorkloadSelector(parsing: String($0))
        }
        return RegistrationEntry(
            id: try row.string("id"), spiffeID: id, nodeID: try row.string("node_id"), selectors: selectors,
            x509TTL: try row.int("x509_ttl"), jwtTTL: try row.int("jwt_ttl"), createdAt: try row.date("created_at"))
    }

    func upsertFederation(
        trustDomain: String, endpointURL: String, profile: String, endpointSPIFFEID: String?, now: Date
    ) async throws {
        try await sql.execute(
            """
            INSERT INTO federated_bundles (trust_domain, endpoint_url, created_at, profile, endpoint_spiffe_id)
            VALUES (\(trustDomain), \(endpointURL), \(now), \(profile), \(endpointSPIFFEID))
            ON CONFLICT (trust_domain) DO UPDATE SET endpoint_url = excluded.endpoint_url, profile = excluded.profile,
              endpoint_spiffe_id = excluded.endpoint_spiffe_id
            """)
    }

    func recordFederationFetch(trustDomain: String, bundle: Data?, error: String?, now: Date) async throws {
        if let bundle {
            try await sql.execute(
                """
                UPDATE federated_bundles SET bundle = \(bundle), fetched_at = \(now), last_error = NULL
                WHERE trust_domain = \(trustDomain)
                """)
        } else {
            try await sql.execute(
                "UPDATE federated_bundles SET last_error = \(error ?? "fetch failed") WHERE trust_domain = \(trustDomain)")
        }
    }

    func federations() async throws -> [FederationRecord] {
        try await sql.rows("SELECT * FROM federated_bundles ORDER BY trust_domain").map { row in
            FederationRecord(
                trustDomain: try row.string("trust_domain"), endpointURL: try row.string("endpoint_url"),
                bundle: try row.optionalBytes("bundle"), fetchedAt: try row.optionalDate("fetched_at"),
                lastError: try row.optionalString("last_error"), createdAt: try row.date("created_at"),
                profile: try row.string("profile"), endpointSPIFFEID: try row.optionalString("endpoint_spiffe_id"))
        }
    }

    func deleteFederation(trustDomain: String) async throws -> Bool {
        try await !sql.execute("DELETE FROM federated_bundles WHERE trust_domain = \(trustDomain) RETURNING trust_domain")
            .isEmpty
    }

    func nextBundleSequence() async throws -> Int {
        let rows = try await sql.execute(
            """
            INSERT INTO meta (key, value) VALUES ('spiffe_bundle_sequence', '1')
            ON CONFLICT (key) DO UPDATE SET value = CAST(COALESCE(CAST(NULLIF(meta.value, '') AS BIGINT), 0) + 1 AS TEXT)
            RETURNING value
            """)
        guard let value = try rows.first?.string("value"), let next = Int(value) else {
            throw StoreError(.corrupted, "the bundle sequence is not a number")
        }
        return next
    }

    func bundleSequence() async throws -> Int {
        try await sql.row("SELECT value FROM meta WHERE key = 'spiffe_bundle_sequence'").flatMap { Int(try $0.string("value")) }
            ?? 0
    }
}
