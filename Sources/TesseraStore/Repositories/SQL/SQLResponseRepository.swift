import Foundation

/// Automated responses on either engine: `claim` is one `INSERT ... ON CONFLICT DO NOTHING RETURNING`, so of several
/// servers evaluating the same finding exactly one acts.
struct SQLResponseRepository: ResponseRepository {
    let sql: any SQLExecutor

    func claim(_ record: ResponseRecord) async throws -> Bool {
        let r = record
        let rows = try await sql.execute(
            """
            INSERT INTO response_actions (key, rule, identity_id, subject, actions, dry_run, hold, created_at)
            VALUES (\(r.key), \(r.rule), \(r.identityID), \(r.subject), \(JSONList.encode(r.actions)), \(r.dryRun),
              \(r.hold), \(r.createdAt))
            ON CONFLICT (key) DO NOTHING RETURNING key
            """)
        return !rows.isEmpty
    }

    func activeHolds() async throws -> [ResponseRecord] {
        try await sql.rows(
            "SELECT * FROM response_actions WHERE hold = \(true) AND dry_run = \(false) AND released_at IS NULL ORDER BY key"
        ).map(Self.record)
    }

    func release(identityID: String, by actor: String, at now: Date) async throws -> [ResponseRecord] {
        try await sql.execute(
            """
            UPDATE response_actions SET released_at = \(now), released_by = \(actor)
            WHERE identity_id = \(identityID) AND hold = \(true) AND dry_run = \(false) AND released_at IS NULL RETURNING *
            """
        ).map(Self.record)
    }

    static func record(_ row: any SQLRow) throws -> ResponseRecord {
        ResponseRecord(
            key: try row.string("key"), rule: try row.string("rule"), identityID: try row.string("identity_id"),
            subject: try row.string("subject"), actions: JSONList.decode(try row.string("actions")),
            dryRun: try row.bool("dry_run"), hold: try row.bool("hold"), createdAt: try row.date("created_at"),
            releasedAt: try row.optionalDate("released_at"), releasedBy: try row.optionalString("released_by"))
    }
}
