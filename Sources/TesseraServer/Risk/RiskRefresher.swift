import Logging
import ServiceLifecycle
import TesseraCore
import TesseraPosture

/// Keeps the risk assessment's open findings current: a posture evaluation every `interval` (incremental: only the
/// audit records since the last one are folded), whose open findings — not acknowledged, not resolved — replace the
/// assessor's. Every server runs its own, so a finding reaches decisions on each within one interval plus one
/// evaluation, whichever server's traffic caused it.
struct RiskRefresher: Sendable {
    let posture: PostureService
    let assessor: RiskAssessor
    /// The response rules, run on each refresh's open findings.
    let responder: ResponseEngine?
    let interval: Duration
    let logger: Logger

    func service() -> PeriodicService {
        PeriodicService(name: "risk refresh", interval: interval, runsAtStart: true, logger: logger) { try await refresh() }
    }

    func refresh() async throws {
        let tracked = try await posture.findings()
        var open: [String: [RiskAssessor.OpenFinding]] = [:]
        for item in tracked where item.status == .open {
            let finding = item.finding
            guard finding.identityID != nil else { continue }
            open[finding.subject, default: []].append(
                RiskAssessor.OpenFinding(category: finding.category.rawValue, severity: finding.severity.rawValue))
        }
        assessor.updateFindings(open, at: posture.clock.now())
        if let responder {
            await responder.reloadIfChanged()
            try await responder.respond(to: tracked)
        }
    }
}
