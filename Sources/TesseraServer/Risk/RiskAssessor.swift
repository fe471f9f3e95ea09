import Foundation
import Synchronization
import TesseraCore

/// The risk of each request, from memory: the identity's open findings (refreshed from posture by `RiskRefresher`)
/// and the request's signals against the identity's baseline (learned from its allowed requests). No database read.
final class RiskAssessor: Sendable {
    struct OpenFinding: Sendable, Equatable {
        let category: String
        let severity: String
    }

    private struct State {
        var findings: [String: [OpenFinding]] = [:]
        var baselines: [String: IdentityBaseline] = [:]
        var lastSeen: [String: Int64] = [:]
        var refreshedAt: Date?
        /// Identities held by a `require-approval` response: client id → rule.
        var holds: [String: String] = [:]
        var onSignals: (@Sendable ([String], Identity, Date) -> Void)?
    }

    private let state = Mutex(State())
    let thresholds: RiskThresholds

    init(thresholds: RiskThresholds = RiskThresholds()) {
        self.thresholds = thresholds
    }

    /// Replaces the open findings (client id → findings), after a posture evaluation.
    func updateFindings(_ findings: [String: [OpenFinding]], at time: Date) {
        state.withLock {
            $0.findings = findings
            $0.refreshedAt = time
        }
    }

    /// Replaces the holds (client id → rule), from the database at each refresh.
    func updateHolds(_ holds: [String: String]) { state.withLock { $0.holds = holds } }

    /// Holds one identity now (this server), before the next refresh spreads it.
    func hold(_ client: String, rule: String) { state.withLock { $0.holds[client] = rule } }

    /// Releases one identity's hold now (this server).
    func release(_ client: String) { _ = state.withLock { $0.holds.removeValue(forKey: client) } }

    /// The rule holding `client`'s issuance, if any.
    func hold(of client: String) -> String? { state.withLock { $0.holds[client] } }

    /// Where request signals go (the response rules), set once the responder exists.
    func setSignalHandler(_ handler: @escaping @Sendable ([String], Identity, Date) -> Void) {
        state.withLock { $0.onSignals = handler }
    }

    /// Hands a request's signals to the responder, off the decision path.
    func report(signals: [String], identity: Identity, at time: Date) {
        guard !signals.isEmpty, let handler = state.withLock({ $0.onSignals }) else { return }
        handler(signals, identity, time)
    }

    /// When the findings were last refreshed.
    var refreshedAt: Date? { state.withLock { $0.refreshedAt } }

    /// The assessment of an agent's tool call: its open findings and the signals that mean the same for a call as
    /// for an issuance (network, delegation depth, hour). Audiences and rate are learned from issuances, so a tool's
    /// audience or a burst of calls is not compared with them.
    func assessToolCall(_ request: IssuanceRequest) -> RiskAssessment {
        let (findings, signals) = observations(request)
        return Self.level(findings: findings, signals: signals.filter { Self.toolCallSignals.contains($0) })
    }

    static let toolCallSignals: Set<String> = ["new-network", "deep-delegation", "unusual-hour"]

    func assess(_ request: IssuanceRequest) -> RiskAssessment {
        let (findings, signals) = observations(request)
        return Self.level(findings: findings, signals: signals)
    }

    /// The identity's open findings and the request's signals against its baseline, read under one lock.
    private func observations(_ request: IssuanceRequest) -> (findings: [OpenFinding], signals: [String]) {
        let client = request.identity.clientID
        let (minute, hour) = Self.clock(request.time)
        let network = IdentityBaseline.network(of: request.sourceAddress)
        return state.withLock { state in
            (
                state.findings[client] ?? [],
                state.baselines[client]?.signals(
                    network: network, audience: request.audience, depth: request.delegationDepth, minute: minute, hour: hour,
                    thresholds: thresholds) ?? []
            )
        }
    }

    /// Learns an allowed request into the identity's baseline.
    func learn(_ request: IssuanceRequest) {
        let client = request.identity.clientID
        let (minute, hour) = Self.clock(request.time)
        let network = IdentityBaseline.network(of: request.sourceAddress)
        state.withLock { state in
            if state.baselines[client] == nil, state.baselines.count >= thresholds.maximumIdentities {
                // Forget the least recently seen tenth.
                let cut = state.lastSeen.sorted { $0.value < $1.value }.prefix(max(1, thresholds.maximumIdentities / 10))
                for (key, _) in cut {
                    state.baselines[key] = nil
                    state.lastSeen[key] = nil
                }
            }
            state.baselines[client, default: IdentityBaseline()].learn(
                network: network, audience: request.audience, depth: request.delegationDepth, minute: minute, hour: hour,
                inTask: request.task != nil)
            state.lastSeen[client] = minute
        }
    }

    /// high: an open high or critical finding, or two concerns at once (medium findings and signals each count
    /// one); medium: one concern; low: none.
    static func level(findings: [OpenFinding], signals: [String]) -> RiskAssessment {
        var reasons: [String] = []
        var severe = false
        var concerns = 0
        for finding in findings {
            switch finding.severity {
            case "high", "critical":
                severe = true
                reasons.append("finding \(finding.category) (\(finding.severity))")
            case "medium":
                concerns += 1
                reasons.append("finding \(finding.category) (medium)")
            default: break
            }
        }
        concerns += signals.count
        reasons += signals.map { "signal \($0)" }
        let level: RiskAssessment.Level = severe || concerns >= 2 ? .high : concerns == 1 ? .medium : .low
        return RiskAssessment(
            level: level, signals: signals, openFindings: Array(Set(findings.map(\.category))).sorted(), reasons: reasons)
    }

    /// The request's minute since the epoch and its UTC hour.
    static func clock(_ time: Date) -> (Int64, Int) {
        let seconds = Int64(time.timeIntervalSince1970)
        return (seconds / 60, Int((seconds / 3600) % 24))
    }
}
