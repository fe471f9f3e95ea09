import TesseraAudit
import TesseraCore

extension PolicyDecision {
    /// What the decision's audit record carries beside its policies: the input for `tessera policy replay`
    /// (`decision_input`, when recorded) and the risk the policies saw (`RiskAssessment.auditDetails`).
    var auditDetails: [String: AuditValue] {
        var details = risk?.auditDetails(levelKey: "risk") ?? [:]
        if let input { details["decision_input"] = .string(input) }
        return details
    }
}

extension RiskAssessment {
    /// The risk for an audit record: the level under `levelKey`, and when raised `signals`, `open_findings` and
    /// `risk_reasons`.
    func auditDetails(levelKey: String) -> [String: AuditValue] {
        var details: [String: AuditValue] = [levelKey: .string(level.rawValue)]
        if !signals.isEmpty { details["signals"] = .strings(signals) }
        if !openFindings.isEmpty { details["open_findings"] = .strings(openFindings) }
        if !reasons.isEmpty { details["risk_reasons"] = .strings(reasons) }
        return details
    }
}
