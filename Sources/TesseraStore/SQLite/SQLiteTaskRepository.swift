import Foundation
import GRDB
import TesseraCore

struct SQLiteTaskRepository: TaskRepository {
    let pool: DatabasePool

    func create(_ task: WorkTask) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO tasks (id, intent, purpose, initiator, identities, scopes, created_at, expires_at, state,
                      ended_at, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    task.id, task.intent, task.purpose, task.initiator, JSONList.encode(task.identities),
                    JSONList.encode(task.scopes), task.createdAt.epoch, task.expiresAt.epoch, task.state.rawValue,
                    task.endedAt?.epoch, task.endReason,
                ])
        }
    }

    func get(id: String) async throws -> WorkTask? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tasks WHERE id = ?", arguments: [id]).map(Self.task)
        }
    }

    func list(state: WorkTask.State?, limit: Int) async throws -> [WorkTask] {
        try await pool.read { db in
            if let state {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM tasks WHERE state = ? ORDER BY created_at DESC LIMIT ?",
                    arguments: [state.rawValue, limit]
                ).map(Self.task)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM tasks ORDER BY created_at DESC LIMIT ?", arguments: [limit])
                .map(Self.task)
        }
    }

    func end(_ task: WorkTask, now: Date) async throws -> [String] {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE tasks SET state = ?, ended_at = ?, end_reason = ? WHERE id = ? AND state = 'open'",
                arguments: [task.state.rawValue, task.endedAt?.epoch, task.endReason, task.id])
            guard db.changesCount == 1 else { throw StoreError(.conflict, "task \(task.id) is not open") }
            return try Self.revoke(
                db, where: "task_id = ?", arguments: [task.id], reason: "task \(task.state.rawValue)", now: now)
        }
    }

    func revokeLeases(subject: String, reason: String, now: Date) async throws -> [String] {
        try await pool.write { db in
            try Self.revoke(db, where: "subject = ?", arguments: [subject], reason: reason, now: now)
        }
    }

    func dueForExpiry(now: Date) async throws -> [WorkTask] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM tasks WHERE state = 'open' AND expires_at <= ? LIMIT 1000", arguments: [now.epoch]
            ).map(Self.task)
        }
    }

    func leases(taskID: String) async throws -> [Lease] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM leases WHERE task_id = ? ORDER BY issued_at", arguments: [taskID])
                .map(Self.lease)
        }
    }

    func leases(subject: String, limit: Int) async throws -> [Lease] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM leases WHERE subject = ? ORDER BY issued_at DESC LIMIT ?",
                arguments: [subject, limit]
            ).map(Self.lease)
        }
    }

    func pendingReleases(kind: String, now: Date) async throws -> [Lease] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM leases WHERE kind = ? AND released_at IS NULL
                      AND (revoked_at IS NOT NULL OR expires_at <= ?) LIMIT 500
                    """, arguments: [kind, now.epoch]
            ).map(Self.lease)
        }
    }

    func markReleased(id: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE leases SET released_at = ? WHERE id = ?", arguments: [at.epoch, id])
        }
    }

    func unreleasedIDs(kind: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM leases WHERE kind = ? AND released_at IS NULL", arguments: [kind]))
        }
    }

    func lease(id: String) async throws -> Lease? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE id = ?", arguments: [id]).map(Self.lease)
        }
    }

    func leases(matching filter: LeaseFilter, now: Date) async throws -> [Lease] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        for (column, value) in [("subject", filter.subject), ("task_id", filter.taskID), ("kind", filter.kind)] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        if filter.liveOnly {
            conditions.append("revoked_at IS NULL AND expires_at > ?")
            arguments += [now.epoch]
        }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [filter.limit]
        return try await pool.read { [arguments] db in
            try Row.fetchAll(db, sql: "SELECT * FROM leases \(clause) ORDER BY issued_at DESC, id LIMIT ?", arguments: arguments)
                .map(Self.lease)
        }
    }

    func revokeLease(id: String, reason: String, now: Date) async throws -> Lease {
        try await pool.write { db in
            let ids = try Self.revoke(db, where: "id = ?", arguments: [id], reason: reason, now: now)
            guard ids.count == 1 else { throw StoreError(.conflict, "lease \(id) is already revoked or expired") }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no lease \(id)")
            }
            return Self.lease(row)
        }
    }

    func revokeLeases(subject: String, kinds: [String], reason: String, now: Date) async throws -> [String] {
        try await pool.write { db in
            guard !kinds.isEmpty else {
                return try Self.revoke(db, where: "subject = ?", arguments: [subject], reason: reason, now: now)
            }
            let marks = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
            return try Self.revoke(
                db, where: "subject = ? AND kind IN (\(marks))", arguments: StatementArguments([subject] + kinds),
                reason: reason, now: now)
        }
    }

    func renewLease(id: String, until expiresAt: Date, now: Date) async throws -> Lease {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE leases SET expires_at = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ?",
                arguments: [expiresAt.epoch, id, now.epoch])
            guard db.changesCount == 1 else { throw StoreError(.conflict, "lease \(id) is revoked or expired") }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no lease \(id)")
            }
            return Self.lease(row)
        }
    }

    func renewTask(id: String, until expiresAt: Date, now: Date) async throws -> WorkTask {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE tasks SET expires_at = ? WHERE id = ? AND state = 'open' AND expires_at > ?",
                arguments: [expiresAt.epoch, id, now.epoch])
            guard db.changesCount == 1 else { throw StoreError(.conflict, "task \(id) is not open") }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tasks WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no task \(id)")
            }
            return try Self.task(row)
        }
    }

    func liveLeaseCount(now: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM leases WHERE expires_at > ? AND revoked_at IS NULL", arguments: [now.epoch]) ?? 0
        }
    }

    func revokedLeaseIDs(kind: String, subjects: [String], now: Date) async throws -> [String] {
        guard !subjects.isEmpty else { return [] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: subjects.count).joined(separator: ", ")
            return try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM leases WHERE kind = ? AND subject IN (\(marks)) AND revoked_at IS NOT NULL
                      AND expires_at > ? LIMIT 10000
                    """, arguments: StatementArguments([kind] + subjects) + [now.epoch])
        }
    }

    /// Marks matching unexpired leases revoked and adds their ids to the revocation list, atomically.
    private static func revoke(
        _ db: Database, where condition: String, arguments: StatementArguments, reason: String, now: Date
    ) throws -> [String] {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT id, expires_at FROM leases WHERE \(condition) AND revoked_at IS NULL AND expires_at > ?",
            arguments: arguments + [now.epoch])
        let mark = try db.cachedStatement(sql: "UPDATE leases SET revoked_at = ?, revoke_reason = ? WHERE id = ?")
        let list = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at, revoked_at, reason) VALUES (?, ?, ?, ?)")
        var ids: [String] = []
        for row in rows {
            let id: String = row["id"]
            let expiresAt: Double = row["expires_at"]
            try mark.execute(arguments: [now.epoch, reason, id])
            try list.execute(arguments: [id, expiresAt, now.epoch, reason])
            ids.append(id)
        }
        return ids
    }

    static func task(_ row: Row) throws -> WorkTask {
        guard let state = WorkTask.State(rawValue: row["state"]) else {
            throw StoreError(.corrupted, "task row has an unknown state")
        }
        return WorkTask(
            id: row["id"], intent: row["intent"], purpose: row["purpose"], initiator: row["initiator"],
            identities: JSONList.decode(row["identities"]), scopes: JSONList.decode(row["scopes"]),
            createdAt: Date(epoch: row["created_at"]), expiresAt: Date(epoch: row["expires_at"]), state: state,
            endedAt: (row["ended_at"] as Double?).map(Date.init(epoch:)), endReason: row["end_reason"])
    }

    static func lease(_ row: Row) -> Lease {
        Lease(
            id: row["id"], kind: row["kind"], subject: row["subject"], taskID: row["task_id"],
            issuedAt: Date(epoch: row["issued_at"]), expiresAt: Date(epoch: row["expires_at"]),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(epoch:)), revokeReason: row["revoke_reason"])
    }
}
