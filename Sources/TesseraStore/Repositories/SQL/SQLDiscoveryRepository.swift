import Foundation
import TesseraCore

/// Discovered identities and discovery runs, on either engine. `apply` reads the scope's records and writes the
/// differences in one transaction (on PostgreSQL with the scope's rows locked, so two servers applying runs of the
/// same scope take turns); identities seen unchanged get one batched `last_seen_at` update.
struct SQLDiscoveryRepository: DiscoveryRepository {
    let sql: any SQLExecutor

    func apply(_ snapshot: DiscoverySnapshot, at now: Date) async throws -> DiscoveryChanges {
        try await sql.transaction { sql in
            let rows = try await sql.rows(
                """
                SELECT * FROM discovered_identities WHERE source = \(snapshot.source.rawValue) AND scope = \(snapshot.scope)
                ORDER BY id\(SQL.lockRows())
                """)
            var known: [String: DiscoveredIdentity] = [:]
            for row in rows {
                let identity = try Self.identity(row)
                known[identity.externalID] = identity
            }
            // An external id another scope of the source already holds is not taken over by this one.
            let fresh = snapshot.observations.map(\.externalID).filter { known[$0] == nil }
            var elsewhere = Set<String>()
            for start in stride(from: 0, to: fresh.count, by: 500) {
                let ids = Array(fresh[start..<min(start + 500, fresh.count)])
                for row in try await sql.rows(
                    """
                    SELECT external_id FROM discovered_identities WHERE source = \(snapshot.source.rawValue)
                      AND scope <> \(snapshot.scope) AND external_id \(in: ids)
                    """)
                {
                    elsewhere.insert(try row.string("external_id"))
                }
            }
            var changed: [(identity: DiscoveredIdentity, change: DiscoveryChanges.Change)] = []
            var unchanged: [String] = []
            var skipped: [String] = []
            var touched = 0
            var seen = Set<String>()
            for observation in snapshot.observations {
                guard seen.insert(observation.externalID).inserted else {
                    skipped.append("\(observation.externalID.prefix(200)) appears twice in the snapshot: the first is kept")
                    continue
                }
                if elsewhere.contains(observation.externalID) {
                    skipped.append("\(observation.externalID.prefix(200)) belongs to another scope of \(snapshot.source)")
                    continue
                }
                guard let previous = known[observation.externalID] else {
                    let identity = DiscoveredIdentity.discovered(
                        observation, source: snapshot.source, scope: snapshot.scope, at: now)
                    try await Self.insert(identity, sql)
                    changed.append((identity, .new))
                    continue
                }
                let next = previous.seen(observation, at: now)
                if previous.status == .gone {
                    try await Self.write(next, sql)
                    changed.append((next, .returned))
                } else if next.updatedAt != previous.updatedAt {
                    try await Self.write(next, sql)
                    changed.append((next, .changed))
                } else if next.observation != previous.observation {
                    // Only use timestamps moved: stored, but not a change.
                    try await Self.write(next, sql)
                    touched += 1
                } else {
                    unchanged.append(previous.id)
                }
            }
            for start in stride(from: 0, to: unchanged.count, by: 500) {
                let ids = Array(unchanged[start..<min(start + 500, unchanged.count)])
                try await sql.execute("UPDATE discovered_identities SET last_seen_at = \(now) WHERE id \(in: ids)")
            }
            if snapshot.complete {
                for identity in known.values.sorted(by: { $0.id < $1.id })
                where !seen.contains(identity.externalID) && identity.status != .gone {
                    let gone = identity.gone(at: now)
                    try await Self.write(gone, sql)
                    changed.append((gone, .gone))
                }
            }
            return DiscoveryChanges(changed: changed, unchanged: unchanged.count + touched, skipped: skipped)
        }
    }

    func get(id: String) async throws -> DiscoveredIdentity? {
        try await sql.row("SELECT * FROM discovered_identities WHERE id = \(id)").map(Self.identity)
    }

    func list(_ filter: DiscoveryFilter) async throws -> [DiscoveredIdentity] {
        var conditions: [SQL] = []
        if let source = filter.source { conditions.append("source = \(source.rawValue)") }
        if let scope = filter.scope { conditions.append("scope = \(scope)") }
        if let status = filter.status { conditions.append("status = \(status.rawValue)") }
        if let owner = filter.owner { conditions.append("owner = \(owner)") }
        if let after = filter.after { conditions.append("id > \(after)") }
        return try await sql.rows(
            "SELECT * FROM discovered_identities \(SQL.whereClause(conditions)) ORDER BY id LIMIT \(filter.limit)"
        ).map(Self.identity)
    }

    func update(_ identity: DiscoveredIdentity) async throws {
        guard try await get(id: identity.id) != nil else {
            throw StoreError(.notFound, "discovered identity \(identity.id) not found")
        }
        try await Self.write(identity, sql)
    }

    func recordRun(_ run: DiscoveryRun) async throws {
        try await sql.execute(
            """
            INSERT INTO discovery_runs (id, source, scope, started_at, finished_at, complete, counts, problems,
              source_findings, actor)
            VALUES (\(run.id), \(run.source.rawValue), \(run.scope), \(run.startedAt), \(run.finishedAt), \(run.complete),
              \(try Self.json(run.counts)), \(JSONList.encode(run.problems)), \(JSONList.encode(run.sourceFindings)),
              \(run.actor))
            """)
    }

    func latestRuns() async throws -> [DiscoveryRun] {
        try await sql.rows(
            """
            SELECT r.* FROM discovery_runs r WHERE r.complete = \(true) AND r.finished_at = (SELECT max(l.finished_at)
              FROM discovery_runs l WHERE l.source = r.source AND l.scope = r.scope AND l.complete = \(true))
            ORDER BY r.finished_at DESC, r.id
            """
        ).map(Self.run)
    }
}
