import Foundation
import GRDB

struct SQLitePostureRepository: PostureRepository {
    let pool: DatabasePool

    func owner(_ name: String) async throws -> OwnerRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM posture_owners WHERE name = ?", arguments: [name]).map(Self.owner)
        }
    }

    func owners() async throws -> [OwnerRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM posture_owners ORDER BY name").map(Self.owner) }
    }

    func depart(_ name: String, identityIDs: [String], at time: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO posture_owners (name, status, departed_at, updated_at) VALUES (?, 'departed', ?, ?)
                    ON CONFLICT(name) DO UPDATE SET status = 'departed', departed_at = excluded.departed_at,
                      updated_at = excluded.updated_at
                    """, arguments: [name, time.epoch, time.epoch])
            let insert = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO posture_reassignments (identity_id, previous_owner, queued_at) VALUES (?, ?, ?)")
            for id in identityIDs { try insert.execute(arguments: [id, name, time.epoch]) }
        }
    }

    func reassignmentQueue() async throws -> [ReassignmentItem] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM posture_reassignments ORDER BY queued_at, identity_id").map {
                ReassignmentItem(identityID: $0["identity_id"], previousOwner: $0["previous_owner"], queuedAt: Date(epoch: $0["queued_at"]))
            }
        }
    }

    func dequeue(identityID: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM posture_reassignments WHERE identity_id = ?", arguments: [identityID])
        }
    }

    func upsert(_ secret: StaticSecret) async throws -> StaticSecret {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO posture_static_secrets (id, kind, location, fingerprint, redacted, owner, source,
                      last_rotated_at, rotation_period_days, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(fingerprint, location) DO UPDATE SET kind = excluded.kind, redacted = excluded.redacted,
                      owner = COALESCE(excluded.owner, owner), rotation_period_days = excluded.rotation_period_days,
                      updated_at = excluded.updated_at
                    """,
                arguments: [
                    secret.id, secret.kind, secret.location, secret.fingerprint, secret.redacted, secret.owner, secret.source,
                    secret.lastRotatedAt?.epoch, secret.rotationPeriodDays, secret.createdAt.epoch, secret.updatedAt.epoch,
                ])
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM posture_static_secrets WHERE fingerprint = ? AND location = ?",
                    arguments: [secret.fingerprint, secret.location])
            else { throw StoreError(.corrupted, "static secret vanished during upsert") }
            return Self.secret(row)
        }
    }

    func staticSecrets() async throws -> [StaticSecret] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM posture_static_secrets ORDER BY created_at, id").map(Self.secret)
        }
    }

    func markRotated(id: String, at time: Date) async throws -> StaticSecret {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE posture_static_secrets SET last_rotated_at = ?, updated_at = ? WHERE id = ?",
                arguments: [time.epoch, time.epoch, id])
            guard db.changesCount == 1,
                let row = try Row.fetchOne(db, sql: "SELECT * FROM posture_static_secrets WHERE id = ?", arguments: [id])
            else { throw StoreError(.notFound, "no static secret with this id") }
            return Self.secret(row)
        }
    }

    func findingStates() async throws -> [String: FindingState] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM posture_finding_states")
            var states: [String: FindingState] = [:]
            for row in rows {
                guard let status = FindingState.Status(rawValue: row["status"]) else {
                    throw StoreError(.corrupted, "finding state has an unknown status")
                }
                states[row["id"]] = FindingState(
                    id: row["id"], status: status, reason: row["reason"], until: (row["until"] as Double?).map(Date.init(epoch:)),
                    actor: row["actor"], updatedAt: Date(epoch: row["updated_at"]))
            }
            return states
        }
    }

    func setFindingState(_ state: FindingState) async throws { try await setFindingStates([state]) }

    func setFindingStates(_ states: [FindingState]) async throws {
        guard !states.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO posture_finding_states (id, status, reason, until, actor, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET status = excluded.status, reason = excluded.reason, until = excluded.until,
                      actor = excluded.actor, updated_at = excluded.updated_at
                    """)
            for state in states {
                try statement.execute(arguments: [
                    state.id, state.status.rawValue, state.reason, state.until?.epoch, state.actor, state.updatedAt.epoch,
                ])
            }
        }
    }

    static func owner(_ row: Row) -> OwnerRecord {
        OwnerRecord(
            name: row["name"], status: OwnerRecord.Status(rawValue: row["status"]) ?? .active,
            departedAt: (row["departed_at"] as Double?).map(Date.init(epoch:)), updatedAt: Date(epoch: row["updated_at"]))
    }

    static func secret(_ row: Row) -> StaticSecret {
        StaticSecret(
            id: row["id"], kind: row["kind"], location: row["location"], fingerprint: row["fingerprint"],
            redacted: row["redacted"], owner: row["owner"], source: row["source"],
            lastRotatedAt: (row["last_rotated_at"] as Double?).map(Date.init(epoch:)),
            rotationPeriodDays: row["rotation_period_days"], createdAt: Date(epoch: row["created_at"]),
            updatedAt: Date(epoch: row["updated_at"]))
    }
}

extension TesseraDatabase {
    /// Owners, re-assignment queue, static secrets and finding states.
    public var posture: any PostureRepository { SQLitePostureRepository(pool: pool) }
}
