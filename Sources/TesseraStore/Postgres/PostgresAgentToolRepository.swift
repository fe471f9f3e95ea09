import Foundation
import PostgresNIO
import TesseraCore

/// Agent tool catalogues, approvals and per-task call counts in PostgreSQL. `recordCall` is one
/// `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`: the row lock makes concurrent calls from several servers
/// count one after the other, each seeing its own total. `decide` and `consume` are conditional updates, so
/// an approval is decided once and used once across servers.
struct PostgresAgentToolRepository: AgentToolRepository {
    let database: PostgresDatabase

    func setTools(_ tools: [AgentTool], identity: String) async throws {
        let logger = database.logger
        try await database.transaction { connection in
            try await connection.query("DELETE FROM agent_tools WHERE identity = \(identity)", logger: logger)
            guard !tools.isEmpty else { return }
            let names = tools.map(\.name)
            let descriptions = tools.map(\.description)
            let risks = tools.map(\.risk.rawValue)
            let approvals = tools.map(\.requiresApproval)
            try await connection.query(
                """
                INSERT INTO agent_tools (identity, name, description, risk, requires_approval)
                SELECT \(identity), * FROM unnest(\(names)::TEXT[], \(descriptions)::TEXT[], \(risks)::TEXT[],
                  \(approvals)::BOOLEAN[])
                """, logger: logger)
        }
    }

    func tools(identity: String) async throws -> [AgentTool] {
        try await database.rows("SELECT * FROM agent_tools WHERE identity = \(identity) ORDER BY name").map { row in
            AgentTool(
                name: try row.value("name"), description: try row.value("description"),
                risk: AgentTool.Risk(rawValue: try row.value("risk")) ?? .high,
                requiresApproval: try row.value("requires_approval"))
        }
    }

    func createApproval(_ approval: ToolApproval) async throws {
        let chain = JSONList.encode(approval.chain)
        try await database.rows(
            """
            INSERT INTO tool_approvals (id, task_id, agent, tool, arguments_digest, resource, chain, state, requested_at,
              expires_at, decided_at, decided_by, reason, server)
            VALUES (\(approval.id), \(approval.taskID), \(approval.agent), \(approval.tool), \(approval.argumentsDigest),
              \(approval.resource), \(chain), \(approval.state.rawValue), \(approval.requestedAt.epoch),
              \(approval.expiresAt.epoch), \(approval.decidedAt?.epoch), \(approval.decidedBy), \(approval.reason),
              \(approval.server ?? ""))
            """)
    }

    func approval(id: String) async throws -> ToolApproval? {
        try await database.rows("SELECT * FROM tool_approvals WHERE id = \(id)").first.map(Self.approval)
    }

    func pendingApproval(
        taskID: String, agent: String, tool: String, server: String?, argumentsDigest: String, now: Date
    ) async throws -> ToolApproval? {
        try await database.rows(
            """
            SELECT * FROM tool_approvals WHERE task_id = \(taskID) AND agent = \(agent) AND tool = \(tool)
              AND arguments_digest = \(argumentsDigest) AND server = \(server ?? "") AND state = 'pending'
              AND expires_at > \(now.epoch)
            ORDER BY requested_at DESC LIMIT 1
            """
        ).first.map(Self.approval)
    }

    func approvals(pendingOnly: Bool, now: Date, limit: Int) async throws -> [ToolApproval] {
        let rows: [PostgresRow]
        if pendingOnly {
            rows = try await database.rows(
                """
                SELECT * FROM tool_approvals WHERE state = 'pending' AND expires_at > \(now.epoch)
                ORDER BY requested_at LIMIT \(limit)
                """)
        } else {
            rows = try await database.rows("SELECT * FROM tool_approvals ORDER BY requested_at DESC LIMIT \(limit)")
        }
        return try rows.map(Self.approval)
    }

    func decide(id: String, state: ToolApproval.State, by: String, reason: String?, now: Date) async throws -> ToolApproval {
        let rows = try await database.rows(
            """
            UPDATE tool_approvals SET state = \(state.rawValue), decided_at = \(now.epoch), decided_by = \(by),
              reason = \(reason)
            WHERE id = \(id) AND state = 'pending' AND expires_at > \(now.epoch) RETURNING *
            """)
        guard let row = rows.first else { throw StoreError(.conflict, "approval \(id) is not pending") }
        return try Self.approval(row)
    }

    func consume(id: String, now: Date) async throws -> Bool {
        try await !database.rows(
            """
            UPDATE tool_approvals SET state = 'used' WHERE id = \(id) AND state = 'approved' AND expires_at > \(now.epoch)
            RETURNING id
            """
        ).isEmpty
    }

    func calls(taskID: String) async throws -> Int {
        try await database.rows("SELECT calls FROM task_tool_calls WHERE task_id = \(taskID)").first?
            .value("calls", as: Int.self) ?? 0
    }

    func recordCall(taskID: String, now: Date) async throws -> Int {
        let rows = try await database.rows(
            """
            INSERT INTO task_tool_calls (task_id, calls, last_call_at) VALUES (\(taskID), 1, \(now.epoch))
            ON CONFLICT (task_id) DO UPDATE SET calls = task_tool_calls.calls + 1, last_call_at = excluded.last_call_at
            RETURNING calls
            """)
        guard let calls = try rows.first?.value("calls", as: Int.self) else {
            throw StoreError(.corrupted, "the call count of task \(taskID) vanished")
        }
        return calls
    }

    static func approval(_ row: PostgresRow) throws -> ToolApproval {
        ToolApproval(
            id: try row.value("id"), taskID: try row.value("task_id"), agent: try row.value("agent"),
            tool: try row.value("tool"), argumentsDigest: try row.value("arguments_digest"),
            resource: try row.value("resource"), chain: JSONList.decode(try row.value("chain")),
            state: ToolApproval.State(rawValue: try row.value("state")) ?? .expired,
            requestedAt: try row.date("requested_at"), expiresAt: try row.date("expires_at"),
            decidedAt: try row.optionalDate("decided_at"), decidedBy: try row.value("decided_by"),
            reason: try row.value("reason"),
            server: (try row.value("server", as: String?.self)).flatMap { $0.isEmpty ? nil : $0 })
    }

    func releaseCall(taskID: String) async throws {
        try await database.rows(
            "UPDATE task_tool_calls SET calls = calls - 1 WHERE task_id = \(taskID) AND calls > 0 RETURNING calls")
    }
}
