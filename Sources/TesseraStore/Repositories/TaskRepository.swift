import Foundation
import TesseraCore

/// Persistence for tasks and the leases issued under them.
public protocol TaskRepository: Sendable {
    func create(_ task: WorkTask) async throws
    func get(id: String) async throws -> WorkTask?
    /// Tasks, newest first, optionally in one state.
    func list(state: WorkTask.State?, limit: Int) async throws -> [WorkTask]
    /// Every open task that names `subject` among its identities, oldest first (however many there are).
    func openTasks(naming subject: String) async throws -> [WorkTask]
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
    func lease(id: String) async throws -> Lease?
    /// Leases, newest first, filtered by `filter`.
    func leases(matching filter: LeaseFilter, now: Date) async throws -> [Lease]
    /// Revokes one unexpired lease (adding it to the revocation list); throws `conflict` if it is not live.
    func revokeLease(id: String, reason: String, now: Date) async throws -> Lease
    /// Revokes every live lease of `subject` of the given kinds (all kinds when empty).
    func revokeLeases(subject: String, kinds: [String], reason: String, now: Date) async throws -> [String]
    /// Moves a live lease's expiry to `expiresAt`; throws `conflict` if it is not live.
    func renewLease(id: String, until expiresAt: Date, now: Date) async throws -> Lease
    /// Moves an open task's deadline to `expiresAt`; throws `conflict` if it is not open.
    func renewTask(id: String, until expiresAt: Date, now: Date) async throws -> WorkTask
    /// Leases neither revoked nor expired at `now` (the active-leases gauge).
    func liveLeaseCount(now: Date) async throws -> Int
    /// Serials of revoked, unexpired `kind` leases of the given subjects.
    func revokedLeaseIDs(kind: String, subjects: [String], now: Date) async throws -> [String]
}

/// Which leases to list.
public struct LeaseFilter: Sendable {
    public var subject: String?
    public var taskID: String?
    public var kind: String?
    /// Only leases neither revoked nor expired.
    public var liveOnly: Bool
    public var limit: Int

    public init(subject: String? = nil, taskID: String? = nil, kind: String? = nil, liveOnly: Bool = false, limit: Int = 100) {
        self.subject = subject
        self.taskID = taskID
        self.kind = kind
        self.liveOnly = liveOnly
        self.limit = limit
    }
}

extension TaskRepository {
    /// Whether lease `id` of `kind`, held by `subject`, was revoked: a revoked SVID proves nothing while still valid.
    public func isRevoked(leaseID id: String, kind: String, subject: String) async throws -> Bool {
        guard let lease = try await lease(id: id) else { return false }
        return lease.kind == kind && lease.subject == subject && lease.revokedAt != nil
    }
}
