import Foundation
import GRDB
import TesseraCore

struct SQLiteAgentToolRepository: AgentToolRepository {
    let pool: DatabasePool

    func setTools(_ tools: [AgentTool], identity: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM agent_tools WHERE identity = ?", arguments: [identity])
            let insert = try db.cachedStatement(
                sql: "INSERT INTO agent_tools (identity, name, description, risk, requires_approval) VALUES (?, ?, ?, ?, ?)")
            for tool in tools {
                try insert.execute(arguments: [identity, tool.name, tool.description, tool.risk.rawValue, tool.requiresApproval])
            }
        }
    }

    func tools(identity: String) async throws -> [AgentTool] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM agent_tools WHERE identity = ? ORDER BY name", arguments: [identity]).map {
                AgentTool(
                    name: $0["name"], description: $0["description"], risk: AgentTool.Risk(rawValue: $0["risk"]) ?? .high,
                    requiresApproval: $0["requires_approval"])
            }
        }
    }

    func createApproval(_ approval: ToolApproval) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO tool_approvals (id, task_id, agent, tool, arguments_digest, resource, chain, state, requested_at,
                      expires_at, decided_at, decided_by, reason, server) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    approval.id, approval.taskID, approval.agent, approval.tool, approval.argumentsDigest, approval.resource,
                    JSONList.encode(approval.chain), approval.state.rawValue, approval.requestedAt.epoch,
                    approval.expiresAt.epoch, approval.decidedAt?.epoch, approval.decidedBy, approval.reason,
                    approval.server ?? "",
                ])
        }
    }

    func approval(id: String) async throws -> ToolApproval? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tool_approvals WHERE id = ?", arguments: [id]).map(Self.approval)
        }
    }

    func pendingApproval(
        taskID: String, agent: String, tool: String, server: String?, argumentsDigest: String, now: Date
    ) async throws -> ToolApproval? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM tool_approvals WHERE task_id = ? AND agent = ? AND tool = ? AND arguments_digest = ?
                      AND server = ? AND state = 'pending' AND expires_at > ? ORDER BY requested_at DESC LIMIT 1
                    """, arguments: [taskID, agent, tool, argumentsDigest, server ?? "", now.epoch]
            ).map(Self.approval)
        }
    }

    func approvals(pendingOnly: Bool, now: Date, limit: Int) async throws -> [ToolApproval] {
        try await pool.read { db in
            if pendingOnly {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM tool_approvals WHERE state = 'pending' AND expires_at > ? ORDER BY requested_at LIMIT ?",
                    arguments: [now.epoch, limit]
                ).map(Self.approval)
            }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM tool_approvals ORDER BY requested_at DESC LIMIT ?", arguments: [limit]
            ).map(Self.approval)
        }
    }

    func decide(id: String, state: ToolApproval.State, by: String, reason: String?, now: Date) async throws -> ToolApproval {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE tool_approvals SET state = ?, decided_at = ?, decided_by = ?, reason = ?
                      WHERE id = ? AND state = 'pending' AND expires_at > ?
                    """, arguments: [state.rawValue, now.epoch, by, reason, id, now.epoch])
            guard db.changesCount == 1 else { throw StoreError(.conflict, "approval \(id) is not pending") }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tool_approvals WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no approval \(id)")
            }
            return Self.approval(row)
        }
    }

    func consume(id: String, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE tool_approvals SET state = 'used' WHERE id = ? AND state = 'approved' AND expires_at > ?",
                arguments: [id, now.epoch])
            return db.changesCount == 1
        }
    }

    func calls(taskID: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT calls FROM task_tool_calls WHERE task_id = ?", arguments: [taskID]) ?? 0
        }
    }

    func recordCall(taskID: String, now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO task_tool_calls (task_id, calls, last_call_at) VALUES (?, 1, ?)
                      ON CONFLICT(task_id) DO UPDATE SET calls = calls + 1, last_call_at = excluded.last_call_at
                    """, arguments: [taskID, now.epoch])
            return try Int.fetchOne(db, sql: "SELECT calls FROM task_tool_calls WHERE task_id = ?", arguments: [taskID]) ?? 0
        }
    }

    static func approval(_ row: Row) -> ToolApproval {
        ToolApproval(
            id: row["id"], taskID: row["task_id"], agent: row["agent"], tool: row["tool"],
            argumentsDigest: row["arguments_digest"], resource: row["resource"], chain: JSONList.decode(row["chain"]),
            state: ToolApproval.State(rawValue: row["state"]) ?? .expired, requestedAt: Date(epoch: row["requested_at"]),
            expiresAt: Date(epoch: row["expires_at"]), decidedAt: (row["decided_at"] as Double?).map(Date.init(epoch:)),
            decidedBy: row["decided_by"], reason: row["reason"],
            server: (row["server"] as String?).flatMap { $0.isEmpty ? nil : $0 })
    }

    func releaseCall(taskID: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE task_tool_calls SET calls = calls - 1 WHERE task_id = ? AND calls > 0", arguments: [taskID])
        }
    }
}
