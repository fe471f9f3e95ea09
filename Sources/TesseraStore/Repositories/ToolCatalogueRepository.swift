import Foundation
import TesseraCore

/// Persistence for AI-agent tool catalogues, approvals and per-task call counts.
public protocol ToolCatalogueRepository: Sendable {
    /// Replaces the catalogue of `identity` (a SPIFFE ID).
    func setTools(_ tools: [CatalogueTool], identity: String) async throws
    func tools(identity: String) async throws -> [CatalogueTool]
    func createApproval(_ approval: ToolApproval) async throws
    func approval(id: String) async throws -> ToolApproval?
    /// A pending approval for the same call, if one is waiting.
    func pendingApproval(
        taskID: String, agent: String, tool: String, server: String?, argumentsDigest: String, now: Date
    ) async throws
        -> ToolApproval?
    /// Pending approvals (oldest first), or all recent ones.
    func approvals(pendingOnly: Bool, now: Date, limit: Int) async throws -> [ToolApproval]
    /// Moves a pending, unexpired approval to `approved` or `denied`; throws `conflict` otherwise.
    func decide(id: String, state: ToolApproval.State, by: String, reason: String?, now: Date) async throws -> ToolApproval
    /// Marks an approved approval used (single use); false if it was not approved and unexpired.
    func consume(id: String, now: Date) async throws -> Bool
    /// Calls authorized so far in the task.
    func calls(taskID: String) async throws -> Int
    /// Counts one call in the task and returns the new total. Not flushed on its own (SQLite: no fsync; PostgreSQL:
    /// `synchronous_commit` off for this statement): it is durable once the decision's audit record is, whose durable
    /// commit on the same database follows it and flushes the log past it. A crash before that loses the count of a
    /// call that was never answered.
    func recordCall(taskID: String, now: Date) async throws -> Int
    /// Gives back one call counted by `recordCall` (a reservation the decision did not use). Not flushed on its own
    /// either: lost in a crash, the count stays one higher (the safe direction).
    func releaseCall(taskID: String) async throws
}
