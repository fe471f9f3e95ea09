import Foundation

/// Posture state, on either engine: owners, the re-assignment queue, static secrets and finding states.
struct SQLPostureRepository: PostureRepository {
    let sql: any SQLExecutor

    func owner(_ name: String) async throws -> OwnerRecord? {
        try await sql.row("SELECT * FROM posture_owners WHERE name = \(name)").map(Self.owner)
    }

    func owners() async throws -> [OwnerRecord] {
        try await sql.rows("SELECT * FROM posture_owners ORDER BY name").map(Self.owner)
    }

    func depart(_ name: String, identityIDs: [String], at time: Date) async throws {
        try await sql.transaction { sql in
            try await sql.execute(
                """
                INSERT INTO posture_owners (name, status, departed_at, updated_at) VALUES (\(name), 'departed', \(time), \(time))
                ON CONFLICT (name) DO UPDATE SET status = 'departed', departed_at = excluded.departed_at,
                  updated_at = excluded.updated_at
                """)
            for id in identityIDs {
                try await sql.execute(
                    """
                    INSERT INTO posture_reassignments (identity_id, previous_owner, queued_at) VALUES (\(id), \(name), \(time))
                    ON CONFLICT (identity_id) DO NOTHING
                    """)
            }
        }
    }

    func reassignmentQueue() async throws -> [ReassignmentItem] {
        try await sql.rows("SELECT * FROM posture_reassignments ORDER BY queued_at, identity_id").map {
            ReassignmentItem(
                identityID: try $0.string("identity_id"), previousOwner: try $0.string("previous_owner"),
                queuedAt: try $0.date("queued_at"))
        }
    }

    func dequeue(identityID: String) async throws {
        try await sql.execute("DELETE FROM posture_reassignments WHERE identity_id = \(identityID)")
    }

    func upsert(_ secret: StaticSecret) async throws -> StaticSecret {
        let s = secret
        let rows = try await sql.execute(
            """
            INSERT INTO posture_static_secrets (id, kind, location, fingerprint, redacted, owner, source,
              last_rotated_at, rotation_period_days, created_at, updated_at)
            VALUES (\(s.id), \(s.kind), \(s.location), \(s.fingerprint), \(s.redacted), \(s.owner), \(s.source),
              \(s.lastRotatedAt), \(s.rotationPeriodDays), \(s.createdAt), \(s.updatedAt))
            ON CONFLICT (fingerprint, location) DO UPDATE SET kind = excluded.kind, redacted = excluded.redacted,
              owner = COALESCE(excluded.owner, posture_static_secrets.owner),
              rotation_period_days = excluded.rotation_period_days, updated_at = excluded.updated_at
            RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.corrupted, "static secret vanished during upsert") }
        return try Self.secret(row)
    }

    func staticSecrets() async throws -> [StaticSecret] {
        try await sql.rows("SELECT * FROM posture_static_secrets ORDER BY created_at, id").map(Self.secret)
    }

    func markRotated(id: String, at time: Date) async throws -> StaticSecret {
        let rows = try await sql.execute(
            "UPDATE posture_static_secrets SET last_rotated_at = \(time), updated_at = \(time) WHERE id = \(id) RETURNING *")
        guard let row = rows.first else { throw StoreError(.notFound, "no static secret with this id") }
        return try Self.secret(row)
    }

    func findingStates() async throws -> [String: FindingState] {
        var states: [String: FindingState] = [:]
        for row in try await sql.rows("SELECT * FROM posture_finding_states") {
            guard let status = FindingState.Status(rawValue: try row.string("status")) else {
                throw StoreError(.corrupted, "finding state has an unknown status")
            }
            let id = try row.string("id")
            states[id] = FindingState(
                id: id, status: status, reason: try row.optionalString("reason"), until: try row.optionalDate("until"),
                actor: try row.optionalString("actor"), updatedAt: try row.date("updated_at"))
        }
        return states
    }

    func setFindingState(_ state: FindingState) async throws { try await setFindingStates([state]) }

    func setFindingStates(_ states: [FindingState]) async throws {
        guard !states.isEmpty else { return }
        try await sql.transaction { sql in
            for state in states {
                try await sql.execute(
                    """
                    INSERT INTO posture_finding_states (id, status, reason, until, actor, updated_at)
                    VALUES (\(state.id), \(state.status.rawValue), \(state.reason), \(state.until), \(state.actor),
                      \(state.updatedAt))
                    ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                      until = excluded.until, actor = excluded.actor, updated_at = excluded.updated_at
                    """)
            }
        }
    }

    static func owner(_ row: any SQLRow) throws -> OwnerRecord {
        OwnerRecord(
            name: try row.string("name"), status: OwnerRecord.Status(rawValue: try row.string("status")) ?? .active,
            departedAt: try row.optionalDate("departed_at"), updatedAt: try row.date("updated_at"))
    }

    static func secret(_ row: any SQLRow) throws -> StaticSecret {
        StaticSecret(
            id: try row.string("id"), kind: try row.string("kind"), location: try row.string("location"),
            fingerprint: try row.string("fingerprint"), redacted: try row.string("redacted"),
            owner: try row.optionalString("owner"), source: try row.string("source"),
            lastRotatedAt: try row.optionalDate("last_rotated_at"), rotationPeriodDays: try row.int("rotation_period_days"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
