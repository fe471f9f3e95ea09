import Foundation
import TesseraCore

/// Persistence for tasks and the leases issued under them.
public protocol TaskRepository: Sendable {
    func create(_ task: WorkTask) async throws
    func get(id: String) async throws -> WorkTask?
    /// Tasks, newest first, optionally in one state.
    func list(state: WorkTask.State?, limit: Int) async throws -> [WorkTask]
    /// Ends `task` (already transitioned) and revokes every unexpired lease under it, in one transaction.
    /// Returns the revoked lease ids.
    func end(_ task: WorkTask, now: Date) async throws -> [String]
    /// Revokes every unexpired lease of `subject` (a SPIFFE ID), e.g. when the identity is suspended.
    func revokeLeases(subject: String, reason: String, now: Date) async throws -> [String]
    /// Open tasks whose deadline has passed at `now`.
    func dueForExpiry(now: Date) async throws -> [WorkTask]
    func leases(taskID: String) async throws -> [Lease]
    func leases(subject: String, limit: Int) async throws -> [Lease]
    /// Leases of `kind` that are revoked or expired at `now` but whose secret was not destroyed yet.
    func pendingReleases(kind: String, now: Date) async throws -> [Lease]
    /// Records that the lease's secret was destroyed.
    func markReleased(id: String, at: Date) async throws
    /// Ids of `kind` leases whose secret is still live (not released).
    func unreleasedIDs(kind: String) async throws -> Set<String>
}
