import Foundation
import PostgresNIO
import TesseraAudit
import TesseraCore

/// `ConsoleReader` on PostgreSQL, on the indexes of migration `008_console_indexes`: inventory pages as
/// `spiffe_id` ranges (the column collates `"C"`, byte order like SQLite's), timeline pages on the
/// `->> 'subject'` / `->> 'task'` expression indexes. Windows and cursors are the shared `ConsoleAuditQuery`
/// rules, so both engines page the same way.
struct PostgresConsoleReader: ConsoleReader {
    let database: PostgresDatabase

    func identities(_ query: ConsoleIdentityQuery) async throws -> [Identity] {
        try await database.rows(Self.identityQuery(query)).map(PostgresIdentityRepository.identity)
    }

    func auditRecords(_ query: ConsoleAuditQuery) async throws -> ConsoleAuditPage {
        let head = try await database.rows("SELECT seq FROM audit_head WHERE id = 1").first?.value("seq", as: Int64.self) ?? 0
        let (statement, floor) = Self.auditQuery(query, head: head)
        let records = try await database.rows(statement).map {
            AuditRecord(
                seq: try $0.value("seq"), prevHash: try $0.value("prev_hash"), hash: try $0.value("hash"),
                body: try $0.value("body"))
        }
        return ConsoleAuditPage(records: records, pageSize: query.pageSize, floor: floor, headSeq: head)
    }

    func inventorySummary(now: Date) async throws -> InventorySummary {
        let epoch = now.epoch
        var statement = PostgresStatement()
        var sql = InventorySummary.groupSQL
        for value in [epoch, epoch, epoch - 30 * 86_400, epoch - 90 * 86_400] {
            sql = sql.replacingOccurrences(of: "?", with: statement.bind(value), options: [], range: sql.range(of: "?"))
        }
        let rows = try await database.rows(statement.query(sql))
        let groups = try rows.map { row in
            InventorySummary.group(
                kind: try row.value("kind"), status: try row.value("status"), environment: try row.value("environment"),
                authMethods: try row.value("auth_methods"), count: Int(try row.value("total", as: Int64.self)),
                overdue: Int(try row.value("overdue", as: Int64.self)), expired: Int(try row.value("expired", as: Int64.self)),
                fresh: Int(try row.value("fresh", as: Int64.self)), aging: Int(try row.value("aging", as: Int64.self)),
                keyed: Int(try row.value("keyed", as: Int64.self)))
        }
        let owners = try await database.rows("SELECT COUNT(DISTINCT owner) AS owners FROM identities").first?
            .value("owners", as: Int64.self) ?? 0
        return InventorySummary(groups: groups, owners: Int(owners))
    }

    /// The inventory page's statement: filters and a SPIFFE ID range, in SPIFFE ID order.
    static func identityQuery(_ query: ConsoleIdentityQuery) -> PostgresQuery {
        var statement = PostgresStatement()
        var conditions: [String] = []
        if let kind = query.kind { conditions.append("kind = \(statement.bind(kind))") }
        if let owner = query.owner { conditions.append("owner = \(statement.bind(owner))") }
        if let environment = query.environment { conditions.append("environment = \(statement.bind(environment))") }
        if let status = query.status { conditions.append("status = \(statement.bind(status))") }
        if let prefix = query.spiffeIDPrefix, !prefix.isEmpty {
            conditions.append(
                "spiffe_id >= \(statement.bind(prefix)) AND spiffe_id < \(statement.bind(prefix + "\u{10FFFF}"))")
        }
        if let after = query.after { conditions.append("spiffe_id > \(statement.bind(after))") }
        let limit = statement.bind(max(1, min(query.limit, 1000)))
        return statement.query(
            "SELECT * FROM identities \(PostgresStatement.whereClause(conditions)) ORDER BY spiffe_id LIMIT \(limit)")
    }

    /// The timeline page's statement, newest first, inside the window `[floor, before)`.
    static func auditQuery(_ query: ConsoleAuditQuery, head: Int64) -> (PostgresQuery, floor: Int64) {
        let (before, floor) = query.bounds(head: head)
        var statement = PostgresStatement()
        var conditions = ["seq < \(statement.bind(before))", "seq >= \(statement.bind(floor))"]
        // The expressions must match the index definitions exactly.
        if let subject = query.subject { conditions.append("((body::jsonb) ->> 'subject') = \(statement.bind(subject))") }
        if let task = query.task { conditions.append("((body::jsonb) ->> 'task') = \(statement.bind(task))") }
        if let prefix = query.typePrefix, !prefix.isEmpty {
            conditions.append("starts_with((body::jsonb) ->> 'type', \(statement.bind(prefix)))")
        }
        let limit = statement.bind(query.pageSize)
        let sql = """
            SELECT seq, prev_hash, hash, body FROM audit_records WHERE \(conditions.joined(separator: " AND "))
            ORDER BY seq DESC LIMIT \(limit)
            """
        return (statement.query(sql), floor)
    }
}
