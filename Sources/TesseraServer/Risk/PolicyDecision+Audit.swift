import TesseraAudit
import TesseraCore

extension PolicyDecision {
    /// The risk the policies saw, for the decision's audit record: `risk`, and when raised `signals`,
    /// `open_findings` and `risk_reasons`.
    var riskDetails: [String: AuditValue] {
        guard let risk else { return [:] }
        var details: [String: AuditValue] = ["risk": .string(risk.level.rawValue)]
        if !risk.signals.isEmpty { details["signals"] = .strings(risk.signals) }
        if !risk.openFindings.isEmpty { details["open_findings"] = .strings(risk.openFindings) }
        if !risk.reasons.isEmpty { details["risk_reasons"] = .strings(risk.reasons) }
        return details
    }

    /// The decision's input for `tessera policy replay` (`decision_input`), when it was recorded.
    var replayDetails: [String: AuditValue] {
        input.map { ["decision_input": .string($0)] } ?? [:]
    }
}
