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

    /// The outcome for one record body (the canonical JSON the chain hashed). Fast path: only the fields replay
    /// needs are read from the body (`RecordFields`); the stored input is parsed fully.
    public func replay(seq: Int64, body: String) -> ReplayOutcome {
        guard let version = RecordFields.detail("\"policy_version\":\"", in: body),
            version != PolicyDecision.responseHoldVersion
        else { return .notADecision }  // A response hold's refusal is not the policies' decision.
        let time = RecordFields.topLevel(",\"time\":\"", in: body) ?? ""
        if let since, time < since { return .notADecision }
        guard let text = RecordFields.detail("\"decision_input\":\"", in: body), !text.isEmpty else {
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
        return .changed(change(seq: seq, body: body, time: time, version: version, input: input, old: old, response: response))
    }

    /// The listed change: the rest of the record is parsed only for the (few) decisions that change.
    private func change(
        seq: Int64, body: String, time: String, version: String, input: DecisionInput, old: Decision, response: Response
    ) -> ReplayChange {
        let json = try? TesseraPolicy.JSONValue.parse(body)
        var oldPolicies: [String] = []
        if case .array(let items)? = json?["details"]?["policies"] { oldPolicies = items.compactMap(\.stringValue) }
        return ReplayChange(
            seq: seq, time: time, type: json?["type"]?.stringValue ?? "",
            // The principal decided (for an exchange, the actor asking), not the record's subject.
            identity: input.request.principal.id, action: input.request.action.id,
            resource: input.request.resource.id, oldDecision: old.rawValue, newDecision: response.decision.rawValue,
            oldPolicies: oldPolicies, newPolicies: response.reasons.sorted(), oldPolicyVersion: version)
    }
}
