import Foundation
import TesseraCore

/// AI-agent tool catalogues, approvals and per-task call counts, on either engine. `recordCall` is one
/// `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`: the row lock makes concurrent calls from several servers
/// count one after the other, each seeing its own total. `decide` and `consume` are conditional updates, so an
/// approval is decided once and used once across servers.
struct SQLToolCatalogueRepository: ToolCatalogueRepository {
    let sql: any SQLExecutor

    func setTools(_ tools: [CatalogueTool], identity: String) async throws {
        try await sql.transaction { sql in
            try await sql.execute("DELETE FROM agent_tools WHERE identity = \(identity)")
            for tool in tools {
                try await sql.execute(
                    """
                    INSERT INTO agent_tools (identity, name, description, risk, requires_approval)
                    VALUES (\(identity), \(tool.name), \(tool.description), \(tool.risk.rawValue), \(tool.requiresApproval))
                    """)
            }
        }
    }

    func tools(identity: String) async throws -> [CatalogueTool] {
        try await sql.lookup("SELECT * FROM agent_tools WHERE identity = \(identity) ORDER BY name").map { row in
            CatalogueTool(
                name: try row.string("name"), description: try row.string("description"),
                risk: CatalogueTool.Risk(rawValue: try row.string("risk")) ?? .high,
                requiresApproval: try row.bool("requires_approval"))
        }
    }

    func createApproval(_ approval: ToolApproval) async throws {
        let a = approval
        try await sql.execute(
            """
            INSERT INTO tool_approvals (id, task_id, agent, tool, arguments_digest, resource, chain, state, requested_at,
              expires_at, decided_at, decided_by, reason, server)
            VALUES (\(a.id), \(a.taskID), \(a.agent), \(a.tool), \(a.argumentsDigest), \(a.resource),
              \(JSONList.encode(a.chain)), \(a.state.rawValue), \(a.requestedAt), \(a.expiresAt), \(a.decidedAt),
              \(a.decidedBy), \(a.reason), \(a.server ?? ""))
            """)
    }

    func approval(id: String) async throws -> ToolApproval? {
        try await sql.row("SELECT * FROM tool_approvals WHERE id = \(id)").map(Self.approval)
    }

    func pendingApproval(
        taskID: String, agent: String, tool: String, server: String?, argumentsDigest: String, now: Date
    ) async throws -> ToolApproval? {
        try await sql.row(
            """
            SELECT * FROM tool_approvals WHERE task_id = \(taskID) AND agent = \(agent) AND tool = \(tool)
              AND arguments_digest = \(argumentsDigest) AND server = \(server ?? "") AND state = 'pending'
              AND expires_at > \(now)
            ORDER BY requested_at DESC LIMIT 1
            """
        ).map(Self.approval)
    }

    func approvals(pendingOnly: Bool, now: Date, limit: Int) async throws -> [ToolApproval] {
        let query: SQL =
            pendingOnly
            ? "SELECT * FROM tool_approvals WHERE state = 'pending' AND expires_at > \(now) ORDER BY requested_at LIMIT \(limit)"
            : "SELECT * FROM tool_approvals ORDER BY requested_at DESC LIMIT \(limit)"
        return try await sql.rows(query).map(Self.approval)
    }

    func decide(id: String, state: ToolApproval.State, by: String, reason: String?, now: Date) async throws -> ToolApproval {
        let rows = try await sql.execute(
            """
            UPDATE tool_approvals SET state = \(state.rawValue), decided_at = \(now), decided_by = \(by), reason = \(reason)
            WHERE id = \(id) AND state = 'pending' AND expires_at > \(now) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "approval \(id) is not pending") }
        return try Self.approval(row)
    }

    func consume(id: String, now: Date) async throws -> Bool {
        try await !sql.execute(
            """
            UPDATE tool_approvals SET state = 'used' WHERE id = \(id) AND state = 'approved' AND expires_at > \(now)
            RETURNING id
            """
        ).isEmpty
    }

    func calls(taskID: String) async throws -> Int {
        try await sql.lookupRow("SELECT calls FROM task_tool_calls WHERE task_id = \(taskID)")?.int("calls") ?? 0
    }

    func recordCall(taskID: String, now: Date) async throws -> Int {
        let row: SQL =
            sql.dialect == .sqlite
            ? "VALUES (\(taskID), 1, \(now))"
            : "SELECT \(taskID), 1, \(now) FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed"
        let rows = try await sql.executeUnflushed(
            """
            INSERT INTO task_tool_calls (task_id, calls, last_call_at) \(row)
            ON CONFLICT (task_id) DO UPDATE SET calls = task_tool_calls.calls + 1, last_call_at = excluded.last_call_at
            RETURNING calls
            """)
        guard let calls = try rows.first?.int("calls") else {
            throw StoreError(.corrupted, "the call count of task \(taskID) vanished")
        }
        return calls
    }

    func releaseCall(taskID: String) async throws {
        let unflushed: SQL =
            sql.dialect == .sqlite ? "" : " AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL"
        try await sql.executeUnflushed(
            "UPDATE task_tool_calls SET calls = calls - 1 WHERE task_id = \(taskID) AND calls > 0\(unflushed)")
    }

    static func approval(_ row: any SQLRow) throws -> ToolApproval {
        ToolApproval(
            id: try row.string("id"), taskID: try row.string("task_id"), agent: try row.string("agent"),
            tool: try row.string("tool"), argumentsDigest: try row.string("arguments_digest"),
            resource: try row.optionalString("resource"), chain: JSONList.decode(try row.string("chain")),
            state: ToolApproval.State(rawValue: try row.string("state")) ?? .expired, requestedAt: try row.date("requested_at"),
            expiresAt: try row.date("expires_at"), decidedAt: try row.optionalDate("decided_at"),
            decidedBy: try row.optionalString("decided_by"), reason: try row.optionalString("reason"),
            server: try row.optionalString("server").flatMap { $0.isEmpty ? nil : $0 })
    }
}
