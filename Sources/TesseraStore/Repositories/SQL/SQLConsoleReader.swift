import Foundation
import TesseraAudit
import TesseraCore

/// `ConsoleReader` on either engine, on the indexes of migration `008_console_indexes`: inventory pages as
/// `spiffe_id` ranges (PostgreSQL collates the column `"C"`, byte order like SQLite's), timeline pages on the
/// JSON `subject` / `task` expression indexes. Windows and cursors follow `ConsoleAuditQuery`.
struct SQLConsoleReader: ConsoleReader {
    let sql: any SQLExecutor
    /// The audit store, sequenced before a timeline page is read (PostgreSQL's named chains; a no-op on SQLite).
    var audit: (any AuditRecordStore)?

    func identities(_ query: ConsoleIdentityQuery) async throws -> [Identity] {
        try await sql.rows(Self.identitySQL(query)).map(SQLIdentityRepository.identity)
    }

    func auditRecords(_ query: ConsoleAuditQuery) async throws -> ConsoleAuditPage {
        try await audit?.sequence(wait: true)
        let head = try await sql.row("SELECT MAX(seq) AS seq FROM audit_records")?.optionalInt64("seq") ?? 0
        let (statement, floor, pageSize) = Self.auditSQL(query, head: head)
        let records = try await sql.rows(statement).map {
            AuditRecord(
                seq: try $0.int64("seq"), prevHash: try $0.string("prev_hash"), hash: try $0.string("hash"),
                body: try $0.string("body"))
        }
        // A full page continues below its last record; a short one below the window, or stops at the chain's start.
        let next = records.count == pageSize ? records.last?.seq : (floor > 1 ? floor : nil)
        return ConsoleAuditPage(records: records, nextBefore: next, headSeq: head)
    }

    /// One grouped scan of `identities`: per kind, status, environment and authentication methods, the count, the
    /// reviews overdue, the expired, and the registered keys by age of the identity's last change (< 30 days,
    /// 30–90, > 90).
    func inventorySummary(now: Date) async throws -> InventorySummary {
        let epoch = now.timeIntervalSince1970
        let statement: SQL = """
            SELECT kind, status, COALESCE(environment, '') AS environment, auth_methods, COUNT(*) AS total,
              SUM(CASE WHEN review_by IS NOT NULL AND review_by < \(now) THEN 1 ELSE 0 END) AS overdue,
              SUM(CASE WHEN expires_at IS NOT NULL AND expires_at <= \(now) THEN 1 ELSE 0 END) AS expired,
              SUM(CASE WHEN jwks LIKE '%"kty"%' AND updated_at >= \(epoch - 30 * 86_400) THEN 1 ELSE 0 END) AS fresh,
              SUM(CASE WHEN jwks LIKE '%"kty"%' AND updated_at < \(epoch - 90 * 86_400) THEN 1 ELSE 0 END) AS aging,
              SUM(CASE WHEN jwks LIKE '%"kty"%' THEN 1 ELSE 0 END) AS keyed
            FROM identities GROUP BY kind, status, COALESCE(environment, ''), auth_methods
            """
        let groups = try await sql.rows(statement).map { row in
            let fresh = try row.int("fresh")
            let aging = try row.int("aging")
            return InventorySummary.Group(
                kind: try row.string("kind"), status: try row.string("status"), environment: try row.string("environment"),
                authMethods: JSONList.decode(try row.string("auth_methods")), count: try row.int("total"),
                reviewOverdue: try row.int("overdue"), expired: try row.int("expired"),
                keysByAge: [fresh, try row.int("keyed") - fresh - aging, aging])
        }
        let owners = try await sql.count("SELECT COUNT(DISTINCT owner) AS n FROM identities")
        return InventorySummary(groups: groups, owners: owners)
    }

    /// The inventory page's statement: filters and a SPIFFE ID range, in SPIFFE ID order.
    static func identitySQL(_ query: ConsoleIdentityQuery) -> SQL {
        var conditions: [SQL] = []
        if let kind = query.kind { conditions.append("kind = \(kind)") }
        if let owner = query.owner { conditions.append("owner = \(owner)") }
        if let environment = query.environment { conditions.append("environment = \(environment)") }
        if let status = query.status { conditions.append("status = \(status)") }
        // A prefix as a range, so the (filter, spiffe_id) or spiffe_id index serves it.
        if let prefix = query.spiffeIDPrefix, !prefix.isEmpty {
            conditions.append("spiffe_id >= \(prefix) AND spiffe_id < \(prefix + "\u{10FFFF}")")
        }
        if let after = query.after { conditions.append("spiffe_id > \(after)") }
        let limit = max(1, min(query.limit, 1000))
        return "SELECT * FROM identities \(SQL.whereClause(conditions)) ORDER BY spiffe_id LIMIT \(limit)"
    }

    /// The timeline page's statement, newest first, inside the window `[floor, before)` below the chain's head,
    /// and its page size (1...1000).
    static func auditSQL(_ query: ConsoleAuditQuery, head: Int64) -> (SQL, floor: Int64, pageSize: Int) {
        let before = min(query.before ?? head + 1, head + 1)
        let floor = max(1, before - max(1, query.window))
        let pageSize = max(1, min(query.limit, 1000))
        var conditions: [SQL] = ["seq < \(before)", "seq >= \(floor)"]
        // The expressions must match the index definitions exactly.
        if let subject = query.subject { conditions.append("\(SQL.json("body", "subject")) = \(subject)") }
        if let task = query.task { conditions.append("\(SQL.json("body", "task")) = \(task)") }
        if let prefix = query.typePrefix, !prefix.isEmpty { conditions.append(.startsWith(.json("body", "type"), prefix)) }
        let statement: SQL = """
            SELECT seq, prev_hash, hash, body FROM audit_records \(SQL.whereClause(conditions))
            ORDER BY seq DESC LIMIT \(pageSize)
            """
        return (statement, floor, pageSize)
    }
}
