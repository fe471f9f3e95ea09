import Foundation
import GRDB
import TesseraAudit
import TesseraCore

/// `ConsoleReader` on SQLite, using the indexes of migration `008_console_indexes`.
struct SQLiteConsoleReader: ConsoleReader {
    let pool: DatabasePool

    func identities(_ query: ConsoleIdentityQuery) async throws -> [Identity] {
        let (sql, arguments) = Self.identitySQL(query)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteIdentityRepository.identity)
        }
    }

    func auditRecords(_ query: ConsoleAuditQuery) async throws -> ConsoleAuditPage {
        try await pool.read { db in
            let head = try Int64.fetchOne(db, sql: "SELECT seq FROM audit_head WHERE id = 1") ?? 0
            let (sql, arguments, floor) = Self.auditSQL(query, head: head)
            let records = try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                AuditRecord(seq: $0["seq"], prevHash: $0["prev_hash"], hash: $0["hash"], body: $0["body"])
            }
            return ConsoleAuditPage(records: records, pageSize: query.pageSize, floor: floor, headSeq: head)
        }
    }

    func inventorySummary(now: Date) async throws -> InventorySummary {
        let epoch = now.epoch
        return try await pool.read { db in
            let groups = try Row.fetchAll(
                db, sql: InventorySummary.groupSQL, arguments: [epoch, epoch, epoch - 30 * 86_400, epoch - 90 * 86_400]
            ).map { row -> InventorySummary.Group in
                guard let kind = row["kind"] as String?, let status = row["status"] as String?,
                    let total = row["total"] as Int?
                else { throw StoreError(.corrupted, "inventory summary row is incomplete") }
                return InventorySummary.group(
                    kind: kind, status: status, environment: row["environment"] ?? "",
                    authMethods: row["auth_methods"] ?? "[]", count: total, overdue: row["overdue"] ?? 0,
                    expired: row["expired"] ?? 0, fresh: row["fresh"] ?? 0, aging: row["aging"] ?? 0, keyed: row["keyed"] ?? 0)
            }
            let owners = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT owner) FROM identities") ?? 0
            return InventorySummary(groups: groups, owners: owners)
        }
    }

    /// The inventory page's statement: filters and a SPIFFE ID range, in SPIFFE ID order.
    static func identitySQL(_ query: ConsoleIdentityQuery) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func add(_ sql: String, _ values: (any DatabaseValueConvertible)?...) {
            conditions.append(sql)
            arguments.append(contentsOf: values)
        }
        if let kind = query.kind { add("kind = ?", kind) }
        if let owner = query.owner { add("owner = ?", owner) }
        if let environment = query.environment { add("environment = ?", environment) }
        if let status = query.status { add("status = ?", status) }
        // A prefix as a range, so the (filter, spiffe_id) or spiffe_id index serves it.
        if let prefix = query.spiffeIDPrefix, !prefix.isEmpty { add("spiffe_id >= ? AND spiffe_id < ?", prefix, prefix + "\u{10FFFF}") }
        if let after = query.after { add("spiffe_id > ?", after) }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(1, min(query.limit, 1000))
        return ("SELECT * FROM identities \(clause) ORDER BY spiffe_id LIMIT \(limit)", StatementArguments(arguments))
    }

    /// The timeline page's statement, newest first, inside the window `[floor, before)`.
    static func auditSQL(_ query: ConsoleAuditQuery, head: Int64) -> (String, StatementArguments, floor: Int64) {
        let (before, floor) = query.bounds(head: head)
        var conditions = ["seq < ?", "seq >= ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [before, floor]
        // The expressions must match the index definitions exactly.
        if let subject = query.subject {
            conditions.append("json_extract(body, '$.subject') = ?")
            arguments.append(subject)
        }
        if let task = query.task {
            conditions.append("json_extract(body, '$.task') = ?")
            arguments.append(task)
        }
        if let prefix = query.typePrefix, !prefix.isEmpty {
            conditions.append("substr(json_extract(body, '$.type'), 1, ?) = ?")
            arguments.append(prefix.unicodeScalars.count)
            arguments.append(prefix)
        }
        let limit = query.pageSize
        let sql = """
            SELECT seq, prev_hash, hash, body FROM audit_records WHERE \(conditions.joined(separator: " AND "))
            ORDER BY seq DESC LIMIT \(limit)
            """
        return (sql, StatementArguments(arguments), floor)
    }

    /// SQLite's plan for a statement (`EXPLAIN QUERY PLAN` details), for tests that keep the pages on indexes.
    func plan(_ sql: String, _ arguments: StatementArguments) async throws -> [String] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }
}

extension TesseraDatabase {
    /// The console's read-only queries.
    public var console: any ConsoleReader { SQLiteConsoleReader(pool: pool) }
}
