import Foundation
import TesseraCore
import TesseraServer

/// Prints a `ReplayReport` as text for people or JSON for CI.
struct ReplayPrinter {
    let report: ReplayReport
    let version: String
    let since: Date
    let seconds: Double

    func text() -> String {
        var lines: [String] = []
        for change in report.changes {
            lines.append(
                "#\(change.seq) \(change.time) \(change.identity) \(change.action) \(change.resource): "
                    + "\(change.oldDecision) -> \(change.newDecision) "
                    + "(was \(Self.list(change.oldPolicies)), now \(Self.list(change.newPolicies)))")
        }
        if report.changes.count < report.changed {
            lines.append("... \(report.changed - report.changes.count) more changed decisions not listed (--limit)")
        }
        for problem in report.integrityFailures { lines.append("#\(problem.seq) refused: \(problem.reason)") }
        for problem in report.unreadable { lines.append("#\(problem.seq) unreadable input: \(problem.reason)") }
        lines.append("policy version \(version), records since \(ISO8601.format(since))")
        lines.append(
            "records read \(report.recordsRead), decisions \(report.decisions), replayed \(report.replayed), "
                + "changed \(report.changed) (allow->deny \(report.allowToDeny), deny->allow \(report.denyToAllow)), "
                + "unchanged \(report.unchanged), skipped \(report.skipped)")
        if report.inventory > 0 {
            lines.append("\(report.inventory) refusals by the inventory's grants: no policy decides them, not replayed")
        }
        if report.lackingInputTotal > 0 {
            let versions = report.lackingInput.keys.sorted().joined(separator: ", ")
            lines.append(
                "\(report.lackingInputTotal) decisions lack inputs (recorded before decision inputs were stored; "
                    + "policy versions \(versions)): not replayed")
        }
        lines.append(
            report.macsChecked
                ? "integrity: hashes, links and MACs checked" : "integrity: hashes and links checked (no KEK: MACs not checked)")
        lines.append(String(format: "%.2f s, %.0f records/s", seconds, Double(report.recordsRead) / max(seconds, 1e-9)))
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let changes = try JSONSerialization.jsonObject(with: encoder.encode(report.changes))
        let problems = try JSONSerialization.jsonObject(with: encoder.encode(report.integrityFailures + report.unreadable))
        let object: [String: Any] = [
            "policy_version": version, "since": ISO8601.format(since), "records_read": report.recordsRead,
            "decisions": report.decisions, "replayed": report.replayed, "changed": report.changed,
            "allow_to_deny": report.allowToDeny, "deny_to_allow": report.denyToAllow, "unchanged": report.unchanged,
            "skipped": report.skipped, "inventory_refusals": report.inventory, "lacking_input": report.lackingInputTotal,
            "lacking_input_by_policy_version": report.lackingInput, "integrity_failures": report.integrityFailures.count,
            "unreadable": report.unreadable.count, "problems": problems, "macs_checked": report.macsChecked,
            "changes": changes, "seconds": seconds,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func list(_ policies: [String]) -> String { policies.isEmpty ? "default deny" : policies.joined(separator: ", ") }
}
