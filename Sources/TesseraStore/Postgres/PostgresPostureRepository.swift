import Foundation
import PostgresNIO

/// Posture state in PostgreSQL: owners, the re-assignment queue, static secrets and finding states.
struct PostgresPostureRepository: PostureRepository {
    let database: PostgresDatabase

    func owner(_ name: String) async throws -> OwnerRecord? {
        try await database.rows("SELECT * FROM posture_owners WHERE name = \(name)").first.map(Self.owner)
    }

    func owners() async throws -> [OwnerRecord] {
        try await database.rows("SELECT * FROM posture_owners ORDER BY name").map(Self.owner)
    }

    func depart(_ name: String, identityIDs: [String], at time: Date) async throws {
        let logger = database.logger
        try await database.transaction { connection in
            try await connection.query(
                """
                INSERT INTO posture_owners (name, status, departed_at, updated_at)
                VALUES (\(name), 'departed', \(time.epoch), \(time.epoch))
                ON CONFLICT (name) DO UPDATE SET status = 'departed', departed_at = excluded.departed_at,
                  updated_at = excluded.updated_at
                """, logger: logger)
            guard !identityIDs.isEmpty else { return }
            try await connection.query(
                """
                INSERT INTO posture_reassignments (identity_id, previous_owner, queued_at)
                SELECT id, \(name), \(time.epoch) FROM unnest(\(identityIDs)::TEXT[]) AS ids(id)
                ON CONFLICT (identity_id) DO NOTHING
                """, logger: logger)
        }
    }

    func reassignmentQueue() async throws -> [ReassignmentItem] {
        try await database.rows("SELECT * FROM posture_reassignments ORDER BY queued_at, identity_id").map {
            ReassignmentItem(
                identityID: try $0.value("identity_id"), previousOwner: try $0.value("previous_owner"),
                queuedAt: try $0.date("queued_at"))
        }
    }

    func dequeue(identityID: String) async throws {
        try await database.rows("DELETE FROM posture_reassignments WHERE identity_id = \(identityID)")
    }

    func upsert(_ secret: StaticSecret) async throws -> StaticSecret {
        let rows = try await database.rows(
            """
            INSERT INTO posture_static_secrets (id, kind, location, fingerprint, redacted, owner, source,
              last_rotated_at, rotation_period_days, created_at, updated_at)
            VALUES (\(secret.id), \(secret.kind), \(secret.location), \(secret.fingerprint), \(secret.redacted),
              \(secret.owner), \(secret.source), \(secret.lastRotatedAt?.epoch), \(secret.rotationPeriodDays),
              \(secret.createdAt.epoch), \(secret.updatedAt.epoch))
            ON CONFLICT (fingerprint, location) DO UPDATE SET kind = excluded.kind, redacted = excluded.redacted,
              owner = COALESCE(excluded.owner, posture_static_secrets.owner),
              rotation_period_days = excluded.rotation_period_days, updated_at = excluded.updated_at
            RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.corrupted, "static secret vanished during upsert") }
        return try Self.secret(row)
    }

    func staticSecrets() async throws -> [StaticSecret] {
        try await database.rows("SELECT * FROM posture_static_secrets ORDER BY created_at, id").map(Self.secret)
    }

    func markRotated(id: String, at time: Date) async throws -> StaticSecret {
        let rows = try await database.rows(
            """
            UPDATE posture_static_secrets SET last_rotated_at = \(time.epoch), updated_at = \(time.epoch)
            WHERE id = \(id) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.notFound, "no static secret with this id") }
        return try Self.secret(row)
    }

    func findingStates() async throws -> [String: FindingState] {
        var states: [String: FindingState] = [:]
        for row in try await database.rows("SELECT * FROM posture_finding_states") {
            guard let status = FindingState.Status(rawValue: try row.value("status")) else {
                throw StoreError(.corrupted, "finding state has an unknown status")
            }
            let id: String = try row.value("id")
            states[id] = FindingState(
                id: id, status: status, reason: try row.value("reason"), until: try row.optionalDate("until"),
                actor: try row.value("actor"), updatedAt: try row.date("updated_at"))
        }
        return states
    }

    func setFindingState(_ state: FindingState) async throws { try await setFindingStates([state]) }

    func setFindingStates(_ states: [FindingState]) async throws {
        guard !states.isEmpty else { return }
        let logger = database.logger
        try await database.transaction { connection in
            for state in states {
                try await connection.query(
                    """
                    INSERT INTO posture_finding_states (id, status, reason, until, actor, updated_at)
                    VALUES (\(state.id), \(state.status.rawValue), \(state.reason), \(state.until?.epoch), \(state.actor),
                      \(state.updatedAt.epoch))
                    ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                      until = excluded.until, actor = excluded.actor, updated_at = excluded.updated_at
                    """, logger: logger)
            }
        }
    }

    static func owner(_ row: PostgresRow) throws -> OwnerRecord {
        OwnerRecord(
            name: try row.value("name"), status: OwnerRecord.Status(rawValue: try row.value("status")) ?? .active,
            departedAt: try row.optionalDate("departed_at"), updatedAt: try row.date("updated_at"))
    }

    static func secret(_ row: PostgresRow) throws -> StaticSecret {
        StaticSecret(
            id: try row.value("id"), kind: try row.value("kind"), location: try row.value("location"),
            fingerprint: try row.value("fingerprint"), redacted: try row.value("redacted"), owner: try row.value("owner"),
            source: try row.value("source"), lastRotatedAt: try row.optionalDate("last_rotated_at"),
            rotationPeriodDays: try row.value("rotation_period_days"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }
}
