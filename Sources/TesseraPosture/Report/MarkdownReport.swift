import Foundation
import TesseraCore

/// Renders evidence and estate reports as Markdown (readable as text, printable, convertible to PDF).
public enum MarkdownReport {
    /// One identity's evidence.
    public static func render(_ report: EvidenceReport) -> String {
        let identity = report.identity
        var out = "# Evidence report: \(identity.clientID)\n\n"
        out +=
            "Generated \(ISO8601.format(report.generatedAt)) from audit records up to seq \(report.auditHeadSeq.map(String.init) ?? "-").\n\n"
        out += "## Ownership and inventory\n\n| field | value |\n|---|---|\n"
        let rows: [(String, String)] = [
            ("inventory id", identity.id), ("kind", identity.kind.rawValue),
            (
                "owner",
                "\(identity.owner) (\(report.ownerStatus))\(report.awaitingReassignment ? ", awaiting re-assignment" : "")"
            ),
            ("purpose", identity.purpose), ("environment", identity.environment ?? "-"), ("status", identity.status.rawValue),
            ("granted scopes", identity.scopes.joined(separator: " ")),
            ("expires at", identity.expiresAt.map(ISO8601.format) ?? "-"),
            ("review by", identity.reviewBy.map(ISO8601.format) ?? "-"), ("created", ISO8601.format(identity.createdAt)),
        ]
        for (name, value) in rows { out += "| \(name) | \(cell(value)) |\n" }
        out += "\n## Credentials (leases: \(report.credentials.count))\n\n"
        if report.credentials.isEmpty {
            out += "None.\n"
        } else {
            out += "| id | kind | task | issued | expires | ended |\n|---|---|---|---|---|---|\n"
            for credential in report.credentials {
                out +=
                    "| \(cell(credential.id)) | \(credential.kind) | \(cell(credential.task ?? "-")) | \(ISO8601.format(credential.issuedAt)) | "
                    + "\(ISO8601.format(credential.expiresAt)) | \(cell(ended(credential))) |\n"
            }
        }
        out += section("Credentials issued (\(report.issuances.count))", report.issuances)
        out += section("Revocations (\(report.revocations.count))", report.revocations)
        out += section("Key rotations (\(report.rotations.count))", report.rotations)
        out += "\n## Exceptions (\(report.exceptions.count))\n\n"
        if report.exceptions.isEmpty {
            out += "None.\n"
        } else {
            out +=
                "| id | owner | scopes | created | expires | state | uses | justification |\n|---|---|---|---|---|---|---|---|\n"
            for exception in report.exceptions {
                out +=
                    "| \(exception.id) | \(cell(exception.owner)) | \(cell(exception.scopes.joined(separator: " "))) | "
                    + "\(ISO8601.format(exception.createdAt)) | \(ISO8601.format(exception.expiresAt)) | \(exception.state(at: report.generatedAt).rawValue) | "
                    + "\(exception.uses) | \(cell(exception.justification)) |\n"
            }
        }
        out += section("Lifecycle changes (\(report.lifecycle.count))", report.lifecycle)
        out += "\n## Open findings (\(report.findings.count))\n\n"
        out += findingsTable(report.findings)
        out += "\n## Control mapping\n\n| OWASP NHI Top 10 (2025) | NIST CSF 2.0 | findings |\n|---|---|---|\n"
        for item in OWASPItem.allCases {
            out +=
                "| \(item.rawValue) \(item.title) | \(nist(item)) | \(report.findings.filter { $0.finding.owasp == item }.count) |\n"
        }
        return out
    }

    /// The estate: counts per OWASP NHI Top 10 item and every finding.
    public static func estate(_ findings: [TrackedFinding], generatedAt: Date, identities: Int) -> String {
        var out =
            "# Tessera posture report\n\nGenerated \(ISO8601.format(generatedAt)); \(identities) identities, \(findings.count) findings.\n\n"
        out += "## Control mapping\n\n| OWASP NHI Top 10 (2025) | NIST CSF 2.0 | findings |\n|---|---|---|\n"
        for item in OWASPItem.allCases {
            let count = findings.filter { $0.finding.owasp == item }.count
            out += "| \(item.rawValue) \(item.title) | \(nist(item)) | \(count) |\n"
        }
        out += "\n## Findings\n\n" + findingsTable(findings)
        return out
    }

    /// How a credential ended (or that it is still live).
    static func ended(_ credential: EvidenceReport.Credential) -> String {
        if let revoked = credential.revokedAt {
            return "revoked \(ISO8601.format(revoked))\(credential.revokeReason.map { ": \($0)" } ?? "")"
        }
        return credential.state == "expired" ? "expired \(ISO8601.format(credential.expiresAt))" : "live"
    }

    static func nist(_ item: OWASPItem) -> String {
        switch item {
        case .nhi1, .nhi10: "PR.AA-01, PR.AA-05"
        case .nhi2, .nhi7: "PR.AA-01, PR.DS-01"
        case .nhi5: "PR.AA-05"
        case .nhi4, .nhi9: "PR.AA-03"
        case .nhi3, .nhi6, .nhi8: "PR.AA-05, PR.PS-01"
        }
    }

    static func findingsTable(_ findings: [TrackedFinding]) -> String {
        guard !findings.isEmpty else { return "None.\n" }
        var out = "| id | severity | OWASP | status | finding | evidence |\n|---|---|---|---|---|---|\n"
        for tracked in findings {
            let finding = tracked.finding
            let evidence = finding.evidence.map { $0.seq.map { "audit #\($0)" } ?? $0.detail }.joined(separator: "; ")
            out +=
                "| \(finding.id) | \(finding.severity.rawValue) | \(finding.owasp.rawValue) | \(tracked.status.rawValue) | \(cell(finding.title)) | \(cell(evidence)) |\n"
        }
        return out
    }

    static func section(_ title: String, _ entries: [EvidenceReport.Entry]) -> String {
        var out = "\n## \(title)\n\n"
        guard !entries.isEmpty else { return out + "None.\n" }
        out += "| seq | time | event | actor | detail |\n|---|---|---|---|---|\n"
        for entry in entries {
            out += "| \(entry.seq) | \(entry.time) | \(entry.type) | \(cell(entry.actor ?? "-")) | \(cell(entry.summary)) |\n"
        }
        return out
    }

    static func cell(_ value: String) -> String {
        value.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
