import Foundation
import TesseraCore
import TesseraPolicy

/// Decides one AI-agent tool call with Cedar: principal = the acting agent, action `tool_call`, resource =
/// `Tessera::Tool` (risk and approval need from the agent's catalogue), context = the task, the scope
/// `tool:<name>`, and the call (counts, rate, approval, delegation chain, arguments digest).
struct ToolCallAuthorizer: Sendable {
    let engine: PolicyEngine
    let departedOwners: DepartedOwners
    /// Risk and response holds, as for issuance (`nil` with `--no-risk-assessment`).
    var assessor: RiskAssessor? = nil

    struct Call: Sendable {
        let agent: Identity
        let task: WorkTask
        let tool: CatalogueTool
        /// The upstream MCP server of the call, when named.
        let server: String?
        let target: String
        let argumentsDigest: String
        let callCount: Int
        let callsLastMinute: Int
        let approved: Bool
        let chain: [String]
        let delegationDepth: Int
        let sourceAddress: String?
        let time: Date
    }

    struct Decision: Sendable {
        let allowed: Bool
        /// Denied only by policies annotated `@approval("required")`: a human can let it through.
        let approvalRequired: Bool
        let reasons: [String]
        let policies: [String]
        let policySetVersion: String
        /// The decision's input for `tessera policy replay` (`nil` when it could not be built or is too large).
        var input: String? = nil
        /// The risk the policies saw.
        var risk: RiskAssessment? = nil
    }

    func decide(_ call: Call) -> Decision {
        let bundle = engine.bundle
        var issuance = IssuanceRequest(
            action: "tool_call", identity: call.agent, requestedScopes: [call.tool.scope], audience: "tool:\(call.tool.name)",
            grantType: "tool_call", sourceAddress: call.sourceAddress, time: call.time, intent: call.task.intent,
            delegationDepth: call.delegationDepth, task: call.task)
        // An agent that a response rule holds, or whose findings make it high risk, is held here too: the token it
        // already has must not keep working for tool calls.
        var assessment: RiskAssessment?
        if let assessor {
            let assessed = assessor.assessToolCall(issuance)
            assessment = assessed
            if let rule = assessor.hold(of: call.agent.clientID) {
                return Decision(
                    allowed: false, approvalRequired: false,
                    reasons: [
                        "held by response rule \(rule): a person must release the agent "
                            + "(tessera identity release \(call.agent.id) --reason ...)"
                    ], policies: [RiskAwareAuthorizer.heldPolicy(rule)], policySetVersion: PolicyDecision.responseHoldVersion,
                    risk: assessed)
            }
            issuance.risk = assessed.level.rawValue
            issuance.signals = assessed.signals
            issuance.openFindings = assessed.openFindings
        }
        let owner = call.agent.owner.trimmingCharacters(in: .whitespaces)
        let builder = CedarRequestBuilder(request: issuance, ownerDeparted: !owner.isEmpty && departedOwners.contains(owner))
        let toolUID = EntityUID(type: "\(CedarRequestBuilder.namespace)::Tool", id: call.tool.name)
        var context = builder.request.context
        context["toolCall"] = .record([
            "name": .string(call.tool.name), "target": .string(call.target), "argumentsDigest": .string(call.argumentsDigest),
            "callCount": .long(Int64(call.callCount)), "callsLastMinute": .long(Int64(call.callsLastMinute)),
            "approved": .bool(call.approved), "chain": .set(Set(call.chain.map(Value.string))),
        ])
        if let server = call.server, case .record(var record)? = context["toolCall"] {
            record["server"] = .string(server)
            context["toolCall"] = .record(record)
        }
        let request = Request(principal: builder.principal, action: builder.action, resource: toolUID, context: context)
        let tool = Entity(
            uid: toolUID,
            attributes: ["risk": .string(call.tool.risk.rawValue), "requiresApproval": .bool(call.tool.requiresApproval)])
        // Decided through the same recorded input replay reads, so a replay under the same policies agrees exactly.
        let base = CedarIssuanceAuthorizer.input(builder)
        let input = DecisionInput(request: request, entities: base.entities + [tool], defaults: base.defaults)
        let response: Response
        do {
            response = try input.decide(policies: bundle.policies, store: bundle.entities)
        } catch {
            return Decision(
                allowed: false, approvalRequired: false, reasons: ["policy input could not be built: \(error.reason)"],
                policies: [], policySetVersion: bundle.version, risk: assessment)
        }
        let ids = response.reasons.sorted()
        let recorded = CedarIssuanceAuthorizer.recorded(input.with(decision: response.decision))
        if response.decision == .allow {
            return Decision(
                allowed: true, approvalRequired: false, reasons: [], policies: ids, policySetVersion: bundle.version,
                input: recorded, risk: assessment)
        }
        let approvalOnly =
            !ids.isEmpty
            && ids.allSatisfy { id in
                bundle.policies.policies.first { $0.id == id }?.annotations.contains {
                    $0.key == "approval" && $0.value == "required"
                }
                    ?? false
            }
        var reasons =
            ids.isEmpty
            ? ["no policy permits this tool call (default deny)"] : ["forbidden by policy: \(ids.joined(separator: ", "))"]
        if !response.errors.isEmpty {
            reasons.append(
                "policies that failed to evaluate: \(response.errors.map(\.policyID).sorted().joined(separator: ", "))")
        }
        return Decision(
            allowed: false, approvalRequired: approvalOnly, reasons: reasons, policies: ids, policySetVersion: bundle.version,
            input: recorded, risk: assessment)
    }
}
