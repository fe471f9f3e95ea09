import Foundation
import Synchronization
import TesseraPosture

/// The findings of the most recent posture evaluation anyone asked for (the Findings page, the API, a report),
/// for the Overview: evaluating posture at a million identities takes seconds, so the Overview never runs it.
final class LatestFindings: Sendable {
    private let latest = Mutex<(findings: [TrackedFinding], at: Date)?>(nil)

    func record(_ findings: [TrackedFinding], at time: Date) { latest.withLock { $0 = (findings, time) } }

    var current: (findings: [TrackedFinding], at: Date)? { latest.withLock { $0 } }
}
