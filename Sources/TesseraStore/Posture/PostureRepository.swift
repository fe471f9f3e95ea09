import Foundation

/// Persistence for posture: owners, re-assignment queue, static secrets, finding states.
public protocol PostureRepository: Sendable {
    func owner(_ name: String) async throws -> OwnerRecord?
    /// Every owner with a recorded status.
    func owners() async throws -> [OwnerRecord]
    /// Marks `name` departed and queues each of `identityIDs` for re-assignment, in one transaction.
    func depart(_ name: String, identityIDs: [String], at time: Date) async throws
    func reassignmentQueue() async throws -> [ReassignmentItem]
    /// Removes an identity from the queue (it has a new owner).
    func dequeue(identityID: String) async throws

    /// Inserts or, for an existing (fingerprint, location), refreshes a static secret; returns the stored row.
    func upsert(_ secret: StaticSecret) async throws -> StaticSecret
    func staticSecrets() async throws -> [StaticSecret]
    /// Records a rotation at `time`; `notFound` if absent.
    func markRotated(id: String, at time: Date) async throws -> StaticSecret

    func findingStates() async throws -> [String: FindingState]
    func setFindingState(_ state: FindingState) async throws
    /// Writes many states in one transaction.
    func setFindingStates(_ states: [FindingState]) async throws
}
