import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// The console's pages stay cheap at a million rows only if SQLite reads them from an index in page order: no
/// table scan, no sort of the matches. Plans do not depend on the data (the server never runs ANALYZE).
@Test func consolePagesAreIndexRangesInPageOrder() async throws {
    let database = try SQLiteStorage(directory: NSTemporaryDirectory() + "tessera-console-" + UUID().uuidString)
    let sql = SQLiteExecutor(pool: database.pool)
    func plan(_ statement: SQL) async throws -> [String] {
        try await sql.rows("EXPLAIN QUERY PLAN \(statement)").map { try $0.string("detail") }
    }
    let prefix = "spiffe://example.org/payments/"
    let identityQueries: [ConsoleIdentityQuery] = [
        ConsoleIdentityQuery(), ConsoleIdentityQuery(after: "spiffe://example.org/m"),
        ConsoleIdentityQuery(spiffeIDPrefix: prefix), ConsoleIdentityQuery(kind: "ai-agent"),
        ConsoleIdentityQuery(owner: "alice@example.com", after: "spiffe://example.org/m"),
        ConsoleIdentityQuery(environment: "prod"), ConsoleIdentityQuery(status: "suspended"),
        ConsoleIdentityQuery(spiffeIDPrefix: prefix, kind: "service", after: prefix + "b"),
        ConsoleIdentityQuery(kind: "service", owner: "alice@example.com", environment: "prod", status: "active"),
    ]
    for query in identityQueries {
        let plan = try await plan(SQLConsoleReader.identitySQL(query))
        #expect(
            plan.contains { $0.hasPrefix("SEARCH identities USING INDEX") || $0.hasPrefix("SCAN identities USING INDEX") },
            "\(query): \(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(query) sorts: \(plan)")
        // A filter must narrow the index read, not be checked row by row along the whole SPIFFE ID order.
        if query.kind != nil || query.owner != nil || query.environment != nil || query.status != nil
            || query.spiffeIDPrefix != nil
        {
            #expect(plan.contains { $0.hasPrefix("SEARCH identities") }, "\(query): \(plan)")
        }
    }
    let auditQueries: [ConsoleAuditQuery] = [
        ConsoleAuditQuery(), ConsoleAuditQuery(before: 500), ConsoleAuditQuery(subject: "spiffe://example.org/a"),
        ConsoleAuditQuery(task: "task_1", before: 90), ConsoleAuditQuery(subject: "spiffe://example.org/a", typePrefix: "token."),
        ConsoleAuditQuery(typePrefix: "token."),
    ]
    for query in auditQueries {
        let plan = try await plan(SQLConsoleReader.auditSQL(query, head: 1000).0)
        #expect(plan.count == 1 && plan[0].hasPrefix("SEARCH audit_records USING"), "\(query): \(plan)")
        if query.subject != nil { #expect(plan[0].contains("audit_records_subject"), "\(plan)") }
        if query.task != nil { #expect(plan[0].contains("audit_records_task"), "\(plan)") }
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(query) sorts: \(plan)")
    }
}

@Test func auditWindowsBoundEveryRequest() {
    let (_, floor, _) = SQLConsoleReader.auditSQL(ConsoleAuditQuery(typePrefix: "token.", before: 100_000), head: 200_000)
    #expect(floor == 80_000)
    let (_, indexed, _) = SQLConsoleReader.auditSQL(ConsoleAuditQuery(subject: "s"), head: 5_000_000)
    #expect(indexed == 4_000_001)
    let (_, start, _) = SQLConsoleReader.auditSQL(ConsoleAuditQuery(before: 10), head: 20)
    #expect(start == 1)
}
