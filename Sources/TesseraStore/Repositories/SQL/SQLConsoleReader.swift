import Foundation
import TesseraAudit
import TesseraCore

/// `ConsoleReader` on either engine, on the indexes of migration `008_console_indexes`: inventory pages as
/// `spiffe_id` ranges (PostgreSQL collates the column `"C"`, byte order like SQLite's), timeline pages on the
/// JSON `subject` / `task` expression indexes. Windows and cursors follow `ConsoleAuditQuery`.
struct SQLConsoleReader: ConsoleReader {
    let sql: any SQLExecutor

    func identities(_ query: ConsoleIdentityQuery) async throws -> [Identity] {
        try await sql.rows(Self.identitySQL(query)).map(SQLIdentityRepository.identity)
    }

    func auditRecords(_ query: ConsoleAuditQuery) async throws -> ConsoleAuditPage {
        let head = try await sql.row("SELECT seq FROM audit_head WHERE id = 1")?.int64("seq") ?? 0
        let (statement, floor) = Self.auditSQL(query, head: head)
        let records = try await sql.rows(statement).map {
            AuditRecord(
                seq: try $0.int64("seq"), prevHash: try $0.string("prev_hash"), hash: try $0.string("hash"),
                body: try $0.string("body"))
        }
        return ConsoleAuditPage(records: records, pageSize: query.pageSize, floor: floor, headSeq: head)
    }

    func inventorySummary(now: Date) async throws -> InventorySummary {
        let groups = try await sql.rows(InventorySummary.groupSQL(now: now)).map { row in
            InventorySummary.group(
                kind: try row.string("kind"), status: try row.string("status"), environment: try row.string("environment"),
                authMethods: try row.string("auth_methods"), count: try row.int("total"), overdue: try row.int("overdue"),
                expired: try row.int("expired"), fresh: try row.int("fresh"), aging: try row.int("aging"),
                keyed: try row.int("keyed"))
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

    /// The timeline page's statement, newest first, inside the window `[floor, before)`.
    static func auditSQL(_ query: ConsoleAuditQuery, head: Int64) -> (SQL, floor: Int64) {
        let (before, floor) = query.bounds(head: head)
        var conditions: [SQL] = ["seq < \(before)", "seq >= \(floor)"]
        // The expressions must match the index definitions exactly.
        if let subject = query.subject { conditions.append("\(SQL.json("body", "subject")) = \(subject)") }
        if let task = query.task { conditions.append("\(SQL.json("body", "task")) = \(task)") }
        if let prefix = query.typePrefix, !prefix.isEmpty { conditions.append(.startsWith(.json("body", "type"), prefix)) }
        let statement: SQL = """
            SELECT seq, prev_hash, hash, body FROM audit_records \(SQL.whereClause(conditions))
            ORDER BY seq DESC LIMIT \(query.pageSize)
            """
        return (statement, floor)
    }
}
