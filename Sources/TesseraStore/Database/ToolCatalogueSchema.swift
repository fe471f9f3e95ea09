import GRDB

/// AI-agent tool catalogues, approvals of high-risk calls, and per-task call counters (docs/ai-agents.md).
enum ToolCatalogueSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE agent_tools (
                    identity TEXT NOT NULL,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    risk TEXT NOT NULL,
                    requires_approval INTEGER NOT NULL,
                    PRIMARY KEY (identity, name)
                );
                CREATE TABLE tool_approvals (
                    id TEXT PRIMARY KEY NOT NULL,
                    task_id TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    tool TEXT NOT NULL,
                    arguments_digest TEXT NOT NULL,
                    resource TEXT,
                    chain TEXT NOT NULL,
                    state TEXT NOT NULL,
                    requested_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    decided_at REAL,
                    decided_by TEXT,
                    reason TEXT
                );
                CREATE INDEX tool_approvals_state ON tool_approvals(state, requested_at);
                CREATE INDEX tool_approvals_call ON tool_approvals(task_id, agent, tool, arguments_digest);
                CREATE TABLE task_tool_calls (
                    task_id TEXT PRIMARY KEY NOT NULL,
                    calls INTEGER NOT NULL,
                    last_call_at REAL NOT NULL
                );
                """)
    }

    /// Approvals name the upstream MCP server of the call ('' when none was named).
    static func addApprovalServer(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE tool_approvals ADD COLUMN server TEXT NOT NULL DEFAULT ''")
    }
}
