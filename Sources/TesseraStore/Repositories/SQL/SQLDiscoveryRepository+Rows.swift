import Foundation
import TesseraCore

extension SQLDiscoveryRepository {
    static func insert(_ identity: DiscoveredIdentity, _ sql: any SQLExecutor) async throws {
        let i = identity
        try await sql.execute(
            """
            INSERT INTO discovered_identities (id, source, scope, external_id, name, kind, status, owner, observation,
              claim, migrated_to, discovered_at, last_seen_at, gone_at, updated_at)
            VALUES (\(i.id), \(i.source.rawValue), \(i.scope), \(i.externalID), \(i.name), \(i.observation.kind),
              \(i.status.rawValue), \(i.owner), \(try json(i.observation)), \(try i.claim.map(json)), \(i.migratedTo),
              \(i.discoveredAt), \(i.lastSeenAt), \(i.goneAt), \(i.updatedAt))
            """)
    }

    static func write(_ identity: DiscoveredIdentity, _ sql: any SQLExecutor) async throws {
        let i = identity
        try await sql.execute(
            """
            UPDATE discovered_identities SET name = \(i.name), kind = \(i.observation.kind), status = \(i.status.rawValue),
              owner = \(i.owner), observation = \(try json(i.observation)), claim = \(try i.claim.map(json)),
              migrated_to = \(i.migratedTo), last_seen_at = \(i.lastSeenAt), gone_at = \(i.goneAt),
              updated_at = \(i.updatedAt)
            WHERE id = \(i.id)
            """)
    }

    static func identity(_ row: any SQLRow) throws -> DiscoveredIdentity {
        DiscoveredIdentity(
            id: try row.string("id"), source: DiscoverySource(rawValue: try row.string("source")),
            scope: try row.string("scope"),
            observation: try decode(DiscoveryObservation.self, try row.string("observation"), column: "observation"),
            status: try row.code("status"),
            claim: try row.optionalString("claim").map { try decode(DiscoveryClaim.self, $0, column: "claim") },
            migratedTo: try row.optionalString("migrated_to"), discoveredAt: try row.date("discovered_at"),
            lastSeenAt: try row.date("last_seen_at"), goneAt: try row.optionalDate("gone_at"),
            updatedAt: try row.date("updated_at"))
    }

    static func run(_ row: any SQLRow) throws -> DiscoveryRun {
        DiscoveryRun(
            id: try row.string("id"), source: DiscoverySource(rawValue: try row.string("source")), scope: try row.string("scope"),
            startedAt: try row.date("started_at"), finishedAt: try row.date("finished_at"), complete: try row.bool("complete"),
            counts: try decode([String: Int].self, try row.string("counts"), column: "counts"),
            problems: try decode([String].self, try row.string("problems"), column: "problems"),
            sourceFindings: try decode([String].self, try row.string("source_findings"), column: "source_findings"),
            actor: try row.string("actor"))
    }

    /// Dates as epoch seconds: they round-trip exactly, so an unchanged observation compares equal.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, column: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(.corrupted, "the column \(column) of a discovered identity is not valid JSON")
        }
    }
}
