import Foundation
import TesseraAudit
import TesseraCore
import TesseraPolicy

/// Re-decides one audit record's stored decision input under a policy set. Immutable and Sendable: one instance is
/// shared by every replay worker.
public struct DecisionReplayer: Sendable {
    public let policies: PolicySet
    public let entities: Entities
    /// Records with an earlier `time` (same canonical format, compared as text) are outside the range.
    public let since: String?

    public init(policies: ActivePolicies, since: Date? = nil) {
        self.policies = policies.policies
        self.entities = policies.entities
        self.since = since.map { ISO8601.format($0) }
    }

    /// The outcome for one record body (the canonical JSON the chain hashed).
    public func replay(seq: Int64, body: String) -> ReplayOutcome {
        // Fast path: most records of a busy log are decisions; others are skipped without parsing.
        guard body.contains("\"policy_version\":") else { return .notADecision }
        let json: TesseraPolicy.JSONValue
        do { json = try TesseraPolicy.JSONValue.parse(body) } catch { return .unreadable(seq: seq, reason: error.reason) }
        let time = json["time"]?.stringValue ?? ""
        if let since, time < since { return .notADecision }
        guard let details = json["details"], let version = details["policy_version"]?.stringValue else {
            return .notADecision
        }
        guard let text = details["decision_input"]?.stringValue, !text.isEmpty else {
            return .lacksInput(policyVersion: version)
        }
        if text == CedarIssuanceAuthorizer.inventoryInput { return .inventory }
        let input: DecisionInput
        let response: Response
        do {
            input = try DecisionInput.parse(text)
            response = try input.decide(policies: policies, store: entities)
        } catch {
            return .unreadable(seq: seq, reason: error.reason)
        }
        guard let old = input.decision else { return .unreadable(seq: seq, reason: "the input names no decision") }
        if old == response.decision { return .unchanged }
        var oldPolicies: [String] = []
        if case .array(let items)? = details["policies"] { oldPolicies = items.compactMap(\.stringValue) }
        return .changed(
            ReplayChange(
                seq: seq, time: time, type: json["type"]?.stringValue ?? "",
                identity: json["subject"]?.stringValue ?? json["actor"]?.stringValue ?? "", action: input.request.action.id,
                resource: input.request.resource.id, oldDecision: old.rawValue, newDecision: response.decision.rawValue,
                oldPolicies: oldPolicies, newPolicies: response.reasons.sorted(), oldPolicyVersion: version))
    }
}
