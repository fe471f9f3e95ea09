import Foundation
import TesseraCore

/// Tasks and the leases issued under them, on either engine. Revoking marks the leases and lists their ids in
/// `revoked_tokens` in one transaction, and ending a task runs it in the task's transaction, so a lease revoked on
/// one server is revoked for every server at commit; two servers revoking the same lease at once revoke it once
/// (on PostgreSQL the second `UPDATE` waits for the row, re-reads it and finds it revoked).
struct SQLTaskRepository: TaskRepository {
    let sql: any SQLExecutor

    func create(_ task: WorkTask) async throws {
        try await sql.execute(
            """
            INSERT INTO tasks (id, intent, purpose, initiator, identities, scopes, created_at, expires_at, state,
              ended_at, end_reason)
            VALUES (\(task.id), \(task.intent), \(task.purpose), \(task.initiator), \(JSONList.encode(task.identities)),
              \(JSONList.encode(task.scopes)), \(task.createdAt), \(task.expiresAt), \(task.state.rawValue), \(task.endedAt),
              \(task.endReason))
            """)
    }

    func get(id: String) async throws -> WorkTask? {
        try await sql.lookupRow("SELECT * FROM tasks WHERE id = \(id)").map(Self.task)
    }

    func list(state: WorkTask.State?, limit: Int) async throws -> [WorkTask] {
        let filter: SQL = state.map { "WHERE state = \($0.rawValue)" } ?? ""
        return try await sql.rows("SELECT * FROM tasks \(filter) ORDER BY created_at DESC LIMIT \(limit)").map(Self.task)
    }

    func openTasks(naming subject: String) async throws -> [WorkTask] {
        // The stored list is JSON: the subject's own encoding narrows the rows, the decoded list decides.
        let encoded = String(JSONList.encode([subject]).dropFirst().dropLast())
        return try await sql.rows(
            "SELECT * FROM tasks WHERE state = 'open' AND \(SQL.contains("identities", encoded)) ORDER BY created_at, id"
        ).map(Self.task).filter { $0.identities.contains(subject) }
    }

    func end(_ task: WorkTask, now: Date) async throws -> [String] {
        try await sql.transaction { sql in
            let ended = try await sql.execute(
                """
                UPDATE tasks SET state = \(task.state.rawValue), ended_at = \(task.endedAt), end_reason = \(task.endReason)
                WHERE id = \(task.id) AND state = 'open' RETURNING id
                """)
            guard ended.count == 1 else { throw StoreError(.conflict, "task \(task.id) is not open") }
            return try await Self.revoke(on: sql, where: "task_id = \(task.id)", reason: "task \(task.state.rawValue)", now: now)
        }
    }

    func revokeLeases(subject: String, reason: String, now: Date) async throws -> [String] {
        try await revokeLeases(subject: subject, kinds: [], reason: reason, now: now)
    }

    func dueForExpiry(now: Date) async throws -> [WorkTask] {
        try await sql.rows("SELECT * FROM tasks WHERE state = 'open' AND expires_at <= \(now) LIMIT 1000").map(Self.task)
    }

    func leases(taskID: String) async throws -> [Lease] {
        try await sql.rows("SELECT * FROM leases WHERE task_id = \(taskID) ORDER BY issued_at").map(Self.lease)
    }

    func leases(subject: String, limit: Int) async throws -> [Lease] {
        try await sql.rows("SELECT * FROM leases WHERE subject = \(subject) ORDER BY issued_at DESC LIMIT \(limit)")
            .map(Self.lease)
    }

    func pendingReleases(kind: String, now: Date) async throws -> [Lease] {
        try await sql.rows(
            """
            SELECT * FROM leases WHERE kind = \(kind) AND released_at IS NULL
              AND (revoked_at IS NOT NULL OR expires_at <= \(now)) LIMIT 500
            """
        ).map(Self.lease)
    }

    func markReleased(id: String, at: Date) async throws {
        try await sql.execute("UPDATE leases SET released_at = \(at) WHERE id = \(id)")
    }

    func unreleasedIDs(kind: String) async throws -> Set<String> {
        Set(try await sql.rows("SELECT id FROM leases WHERE kind = \(kind) AND released_at IS NULL").map { try $0.string("id") })
    }

    func lease(id: String) async throws -> Lease? {
        try await sql.row("SELECT * FROM leases WHERE id = \(id)").map(Self.lease)
    }

    func leases(matching filter: LeaseFilter, now: Date) async throws -> [Lease] {
        var conditions: [SQL] = []
        for (column, value) in [("subject", filter.subject), ("task_id", filter.taskID), ("kind", filter.kind)] {
            if let value { conditions.append("\(raw: column) = \(value)") }
        }
        if filter.liveOnly { conditions.append("revoked_at IS NULL AND expires_at > \(now)") }
        return try await sql.rows(
            "SELECT * FROM leases \(SQL.whereClause(conditions)) ORDER BY issued_at DESC, id LIMIT \(filter.limit)"
        ).map(Self.lease)
    }

    func revokeLease(id: String, reason: String, now: Date) async throws -> Lease {
        try await sql.transaction { sql in
            let ids = try await Self.revoke(on: sql, where: "id = \(id)", reason: reason, now: now)
            guard ids.count == 1 else { throw StoreError(.conflict, "lease \(id) is already revoked or expired") }
            guard let row = try await sql.execute("SELECT * FROM leases WHERE id = \(id)").first else {
                throw StoreError(.notFound, "no lease \(id)")
            }
            return try Self.lease(row)
        }
    }

    func revokeLeases(subject: String, kinds: [String], reason: String, now: Date) async throws -> [String] {
        let condition: SQL = kinds.isEmpty ? "subject = \(subject)" : "subject = \(subject) AND kind \(in: kinds)"
        return try await sql.transaction { sql in try await Self.revoke(on: sql, where: condition, reason: reason, now: now) }
    }

    func renewLease(id: String, until expiresAt: Date, now: Date) async throws -> Lease {
        let rows = try await sql.execute(
            """
            UPDATE leases SET expires_at = \(expiresAt)
            WHERE id = \(id) AND revoked_at IS NULL AND expires_at > \(now) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "lease \(id) is revoked or expired") }
        return try Self.lease(row)
    }

    func renewTask(id: String, until expiresAt: Date, now: Date) async throws -> WorkTask {
        let rows = try await sql.execute(
            """
            UPDATE tasks SET expires_at = \(expiresAt)
            WHERE id = \(id) AND state = 'open' AND expires_at > \(now) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "task \(id) is not open") }
        return try Self.task(row)
    }

    func liveLeaseCount(now: Date) async throws -> Int {
        try await sql.count("SELECT COUNT(*) AS n FROM leases WHERE expires_at > \(now) AND revoked_at IS NULL")
    }

    func revokedLeaseIDs(kind: String, subjects: [String], now: Date) async throws -> [String] {
        guard !subjects.isEmpty else { return [] }
        return try await sql.rows(
            """
            SELECT id FROM leases WHERE kind = \(kind) AND subject \(in: subjects) AND revoked_at IS NOT NULL
              AND expires_at > \(now) LIMIT 10000
            """
        ).map { try $0.string("id") }
    }

    /// Lists the matching unexpired leases in `revoked_tokens` and marks them revoked (run in a transaction);
    /// returns their ids.
    private static func revoke(on sql: any SQLExecutor, where condition: SQL, reason: String, now: Date) async throws -> [String]
    {
        try await sql.execute(
            """
            INSERT INTO revoked_tokens (jti, expires_at, revoked_at, reason)
            SELECT id, expires_at, \(now), \(reason) FROM leases
            WHERE \(condition) AND revoked_at IS NULL AND expires_at > \(now)
            ON CONFLICT (jti) DO NOTHING
            """)
        return try await sql.execute(
            """
            UPDATE leases SET revoked_at = \(now), revoke_reason = \(reason)
            WHERE \(condition) AND revoked_at IS NULL AND expires_at > \(now) RETURNING id
            """
        ).map { try $0.string("id") }
    }

    static func task(_ row: any SQLRow) throws -> WorkTask {
        WorkTask(
            id: try row.string("id"), intent: try row.string("intent"), purpose: try row.optionalString("purpose"),
            initiator: try row.string("initiator"), identities: JSONList.decode(try row.string("identities")),
            scopes: JSONList.decode(try row.string("scopes")), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), state: try row.code("state"), endedAt: try row.optionalDate("ended_at"),
            endReason: try row.optionalString("end_reason"))
    }

    static func lease(_ row: any SQLRow) throws -> Lease {
        Lease(
            id: try row.string("id"), kind: try row.string("kind"), subject: try row.string("subject"),
            taskID: try row.optionalString("task_id"), issuedAt: try row.date("issued_at"), expiresAt: try row.date("expires_at"),
            revokedAt: try row.optionalDate("revoked_at"), revokeReason: try row.optionalString("revoke_reason"))
    }
}
