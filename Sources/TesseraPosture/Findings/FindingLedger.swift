import Foundation
import TesseraCore
import TesseraStore

/// A finding with its lifecycle status.
public struct TrackedFinding: Sendable, Codable, Equatable {
    public let finding: Finding
    /// `open` or `acknowledged` for current findings; `resolved` for findings whose condition cleared.
    public let status: FindingState.Status
    public let reason: String?
    /// An acknowledgement's expiry.
    public let until: Date?
}

/// Merges computed findings with their stored lifecycle: an acknowledgement holds until it expires; a finding
/// whose condition cleared is resolved automatically; a resolved finding that fires again reopens.
public struct FindingLedger: Sendable {
    public let posture: any PostureRepository
    public let clock: any TimeSource

    public init(posture: any PostureRepository, clock: any TimeSource) {
        self.posture = posture
        self.clock = clock
    }

    /// Current findings with statuses; also records automatic resolution and reopening.
    public func reconcile(_ findings: [Finding]) async throws -> [TrackedFinding] {
        try await reconcileReportingChanges(findings).tracked
    }

    /// `reconcile`, and the lifecycle changes it recorded (findings opened or reopened, findings whose condition
    /// cleared), for the audit log and the SOC.
    public func reconcileReportingChanges(_ findings: [Finding]) async throws -> (
        tracked: [TrackedFinding], changes: [FindingState]
    ) {
        let now = clock.now()
        let states = try await posture.findingStates()
        var tracked: [TrackedFinding] = []
        var changes: [FindingState] = []
        let current = Set(findings.map(\.id))
        for finding in findings {
            let state = states[finding.id]
            if let state, state.status == .acknowledged, state.until.map({ $0 > now }) ?? true {
                tracked.append(TrackedFinding(finding: finding, status: .acknowledged, reason: state.reason, until: state.until))
                continue
            }
            if state == nil || state?.status != .open {
                changes.append(
                    FindingState(
                        id: finding.id, status: .open, reason: state == nil ? nil : "condition present again", until: nil,
                        actor: "system", updatedAt: now))
            }
            tracked.append(TrackedFinding(finding: finding, status: .open, reason: nil, until: nil))
        }
        for (id, state) in states where !current.contains(id) && state.status != .resolved {
            changes.append(
                FindingState(id: id, status: .resolved, reason: "condition cleared", until: nil, actor: "system", updatedAt: now))
        }
        // One transaction for the whole evaluation (a large estate's first evaluation opens every finding).
        try await posture.setFindingStates(changes)
        return (tracked, changes)
    }

    /// Acknowledges a finding (it stays listed, marked acknowledged, until `until`).
    public func acknowledge(id: String, reason: String, until: Date?, actor: String) async throws {
        try await posture.setFindingState(
            FindingState(id: id, status: .acknowledged, reason: reason, until: until, actor: actor, updatedAt: clock.now()))
    }

    /// Marks a finding resolved by an operator; if its condition is still present it reopens on the next evaluation.
    public func resolve(id: String, reason: String?, actor: String) async throws {
        try await posture.setFindingState(
            FindingState(id: id, status: .resolved, reason: reason, until: nil, actor: actor, updatedAt: clock.now()))
    }
}
