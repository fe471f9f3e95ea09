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

    /// The findings that raise each identity's risk, by SPIFFE ID. A finding others' actions can cause (what the
    /// holders of its tokens do in exchanges; `CausedByOthers`) is shown and may notify, but does not raise the risk
    /// of the identity it names.
    static func openFindings(_ findings: [Finding]) -> [String: [RiskAssessor.OpenFinding]] {
        var open: [String: [RiskAssessor.OpenFinding]] = [:]
        for finding in findings where CausedByOthers.raisesRisk(finding.category.rawValue) {
            open[finding.subject, default: []].append(
                RiskAssessor.OpenFinding(category: finding.category.rawValue, severity: finding.severity.rawValue))
        }
        return open
    }

    /// One refresh: an evaluation of Tessera identities only (discovered identities never affect decisions), read
    /// against the findings' lifecycle without writing it (`GET /v1/findings` reconciles): acknowledged findings
    /// (until their date) do not raise risk.
    func refresh() async throws {
        let evaluation = try await posture.engine.run(includeDiscovery: false)
        let states = try await posture.posture.findingStates()
        let now = posture.clock.now()
        let current = evaluation.findings.filter { finding in
            guard finding.identityID != nil else { return false }
            guard let state = states[finding.id], state.status == .acknowledged else { return true }
            return !(state.until.map { $0 > now } ?? true)
        }
        assessor.updateFindings(Self.openFindings(current), at: now)
        if let responder {
            await responder.reloadIfChanged()
            try await responder.respond(to: current)
        }
    }
}
