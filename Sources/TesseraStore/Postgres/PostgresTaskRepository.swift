import Foundation
import PostgresNIO
import TesseraCore

/// Tasks and leases in PostgreSQL. Revocation is one statement (mark the leases, list their ids in
/// `revoked_tokens`), and ending a task runs it in the task's transaction, so a lease revoked on one server is
/// revoked for every server at commit; two servers revoking the same lease at once revoke it once (the second
/// `UPDATE` waits for the row, re-reads it and finds it revoked).
struct PostgresTaskRepository: TaskRepository {
    let database: PostgresDatabase

    func create(_ task: WorkTask) async throws {
        let identities = JSONList.encode(task.identities)
        let scopes = JSONList.encode(task.scopes)
        try await database.rows(
            """
            INSERT INTO tasks (id, intent, purpose, initiator, identities, scopes, created_at, expires_at, state,
              ended_at, end_reason)
            VALUES (\(task.id), \(task.intent), \(task.purpose), \(task.initiator), \(identities), \(scopes),
              \(task.createdAt.epoch), \(task.expiresAt.epoch), \(task.state.rawValue), \(task.endedAt?.epoch),
              \(task.endReason))
            """)
    }

    func get(id: String) async throws -> WorkTask? {
        try await database.rows("SELECT * FROM tasks WHERE id = \(id)").first.map(Self.task)
    }

    func list(state: WorkTask.State?, limit: Int) async throws -> [WorkTask] {
        let rows: [PostgresRow]
        if let state {
            rows = try await database.rows(
                "SELECT * FROM tasks WHERE state = \(state.rawValue) ORDER BY created_at DESC LIMIT \(limit)")
        } else {
            rows = try await database.rows("SELECT * FROM tasks ORDER BY created_at DESC LIMIT \(limit)")
        }
        return try rows.map(Self.task)
    }

    func end(_ task: WorkTask, now: Date) async throws -> [String] {
        let logger = database.logger
        return try await database.transaction { connection in
            let ended = try await connection.rows(
                """
                UPDATE tasks SET state = \(task.state.rawValue), ended_at = \(task.endedAt?.epoch),
                  end_reason = \(task.endReason)
                WHERE id = \(task.id) AND state = 'open' RETURNING id
                """, logger: logger)
            guard ended.count == 1 else { throw StoreError(.conflict, "task \(task.id) is not open") }
            let query = Self.revoke(reason: "task \(task.state.rawValue)", now: now) { "task_id = \($0.bind(task.id))" }
            return try await connection.rows(query, logger: logger).map { try $0.value("id", as: String.self) }
        }
    }

    func revokeLeases(subject: String, reason: String, now: Date) async throws -> [String] {
        try await revoke(reason: reason, now: now) { "subject = \($0.bind(subject))" }
    }

    func dueForExpiry(now: Date) async throws -> [WorkTask] {
        try await database.rows("SELECT * FROM tasks WHERE state = 'open' AND expires_at <= \(now.epoch) LIMIT 1000")
            .map(Self.task)
    }

    func leases(taskID: String) async throws -> [Lease] {
        try await database.rows("SELECT * FROM leases WHERE task_id = \(taskID) ORDER BY issued_at").map(Self.lease)
    }

    func leases(subject: String, limit: Int) async throws -> [Lease] {
        try await database.rows("SELECT * FROM leases WHERE subject = \(subject) ORDER BY issued_at DESC LIMIT \(limit)")
            .map(Self.lease)
    }

    func pendingReleases(kind: String, now: Date) async throws -> [Lease] {
        try await database.rows(
            """
            SELECT * FROM leases WHERE kind = \(kind) AND released_at IS NULL
              AND (revoked_at IS NOT NULL OR expires_at <= \(now.epoch)) LIMIT 500
            """
        ).map(Self.lease)
    }

    func markReleased(id: String, at: Date) async throws {
        try await database.rows("UPDATE leases SET released_at = \(at.epoch) WHERE id = \(id)")
    }

    func unreleasedIDs(kind: String) async throws -> Set<String> {
        Set(
            try await database.rows("SELECT id FROM leases WHERE kind = \(kind) AND released_at IS NULL").map {
                try $0.value("id", as: String.self)
            })
    }

    func lease(id: String) async throws -> Lease? {
        try await database.rows("SELECT * FROM leases WHERE id = \(id)").first.map(Self.lease)
    }

    func leases(matching filter: LeaseFilter, now: Date) async throws -> [Lease] {
        var statement = PostgresStatement()
        var conditions: [String] = []
        for (column, value) in [("subject", filter.subject), ("task_id", filter.taskID), ("kind", filter.kind)] {
            guard let value else { continue }
            conditions.append("\(column) = \(statement.bind(value))")
        }
        if filter.liveOnly { conditions.append("revoked_at IS NULL AND expires_at > \(statement.bind(now.epoch))") }
        let limit = statement.bind(filter.limit)
        let clause = PostgresStatement.whereClause(conditions)
        return try await database.rows(
            statement.query("SELECT * FROM leases \(clause) ORDER BY issued_at DESC, id LIMIT \(limit)")
        ).map(Self.lease)
    }

    func revokeLease(id: String, reason: String, now: Date) async throws -> Lease {
        let ids = try await revoke(reason: reason, now: now) { "id = \($0.bind(id))" }
        guard ids.count == 1 else { throw StoreError(.conflict, "lease \(id) is already revoked or expired") }
        guard let lease = try await lease(id: id) else { throw StoreError(.notFound, "no lease \(id)") }
        return lease
    }

    func revokeLeases(subject: String, kinds: [String], reason: String, now: Date) async throws -> [String] {
        try await revoke(reason: reason, now: now) { statement in
            let subjectCondition = "subject = \(statement.bind(subject))"
            return kinds.isEmpty ? subjectCondition : "\(subjectCondition) AND kind = ANY(\(statement.bind(kinds)))"
        }
    }

    func renewLease(id: String, until expiresAt: Date, now: Date) async throws -> Lease {
        let rows = try await database.rows(
            """
            UPDATE leases SET expires_at = \(expiresAt.epoch)
            WHERE id = \(id) AND revoked_at IS NULL AND expires_at > \(now.epoch) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "lease \(id) is revoked or expired") }
        return try Self.lease(row)
    }

    func renewTask(id: String, until expiresAt: Date, now: Date) async throws -> WorkTask {
        let rows = try await database.rows(
            """
            UPDATE tasks SET expires_at = \(expiresAt.epoch)
            WHERE id = \(id) AND state = 'open' AND expires_at > \(now.epoch) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "task \(id) is not open") }
        return try Self.task(row)
    }

    func liveLeaseCount(now: Date) async throws -> Int {
        try await database.rows(
            "SELECT count(*) AS n FROM leases WHERE expires_at > \(now.epoch) AND revoked_at IS NULL"
        ).first?.value("n", as: Int.self) ?? 0
    }

    func revokedLeaseIDs(kind: String, subjects: [String], now: Date) async throws -> [String] {
        guard !subjects.isEmpty else { return [] }
        return try await database.rows(
            """
            SELECT id FROM leases WHERE kind = \(kind) AND subject = ANY(\(subjects)) AND revoked_at IS NOT NULL
              AND expires_at > \(now.epoch) LIMIT 10000
            """
        ).map { try $0.value("id", as: String.self) }
    }

    private func revoke(
        reason: String, now: Date, where condition: (inout PostgresStatement) -> String
    ) async throws -> [String] {
        try await database.rows(Self.revoke(reason: reason, now: now, where: condition)).map {
            try $0.value("id", as: String.self)
        }
    }

    /// Marks the matching unexpired leases revoked and adds their ids to the revocation list, in one statement.
    private static func revoke(
        reason: String, now: Date, where condition: (inout PostgresStatement) -> String
    ) -> PostgresQuery {
        var statement = PostgresStatement()
        let filter = condition(&statement)
        let at = statement.bind(now.epoch)
        let why = statement.bind(reason)
        return statement.query(
            """
            WITH revoked AS (
              UPDATE leases SET revoked_at = \(at), revoke_reason = \(why)
              WHERE \(filter) AND revoked_at IS NULL AND expires_at > \(at) RETURNING id, expires_at),
            listed AS (
              INSERT INTO revoked_tokens (jti, expires_at, revoked_at, reason)
              SELECT id, expires_at, \(at), \(why) FROM revoked ON CONFLICT (jti) DO NOTHING)
            SELECT id FROM revoked
            """)
    }

    static func task(_ row: PostgresRow) throws -> WorkTask {
        guard let state = WorkTask.State(rawValue: try row.value("state")) else {
            throw StoreError(.corrupted, "task row has an unknown state")
        }
        return WorkTask(
            id: try row.value("id"), intent: try row.value("intent"), purpose: try row.value("purpose"),
            initiator: try row.value("initiator"), identities: JSONList.decode(try row.value("identities")),
            scopes: JSONList.decode(try row.value("scopes")), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), state: state, endedAt: try row.optionalDate("ended_at"),
            endReason: try row.value("end_reason"))
    }

    static func lease(_ row: PostgresRow) throws -> Lease {
        Lease(
            id: try row.value("id"), kind: try row.value("kind"), subject: try row.value("subject"),
            taskID: try row.value("task_id"), issuedAt: try row.date("issued_at"), expiresAt: try row.date("expires_at"),
            revokedAt: try row.optionalDate("revoked_at"), revokeReason: try row.value("revoke_reason"))
    }
}
