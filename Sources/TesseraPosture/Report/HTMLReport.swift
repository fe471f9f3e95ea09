import Foundation
import TesseraCore

/// Renders the estate report and evidence reports as self-contained HTML pages (inline CSS, no scripts, readable when printed).
public enum HTMLReport {
    /// The estate: control mapping (OWASP NHI Top 10, NIST CSF 2.0) and every finding with its evidence.
    public static func estate(_ findings: [TrackedFinding], generatedAt: Date, identities: Int) -> String {
        var rows = ""
        for item in OWASPItem.allCases {
            let count = findings.filter { $0.finding.owasp == item }.count
            rows +=
                "<tr><td>\(item.rawValue) \(escape(item.title))</td><td>\(MarkdownReport.nist(item))</td><td>\(count)</td></tr>\n"
        }
        let body = """
            <h1>Tessera posture report</h1>
            <p>Generated \(ISO8601.format(generatedAt)); \(identities) identities, \(findings.count) findings.</p>
            <h2>Control mapping</h2>
            <table><tr><th>OWASP NHI Top 10 (2025)</th><th>NIST CSF 2.0</th><th>findings</th></tr>
            \(rows)</table>
            <h2>Findings</h2>
            \(findingSections(findings))
            """
        return page(title: "Tessera posture report", body: body)
    }

    /// Each finding with its evidence, remediation and (for over-privilege) the suggested policy.
    static func findingSections(_ findings: [TrackedFinding]) -> String {
        var list = ""
        for tracked in findings {
            let finding = tracked.finding
            let evidence = finding.evidence.map { item in
                "<li>\(item.seq.map { "audit #\($0): " } ?? "")\(escape(item.detail))</li>"
            }.joined()
            var suggestion = ""
            if let lp = finding.suggestion {
                suggestion = "<p>Keep: \(escape(lp.keepScopes.joined(separator: " ")))</p><pre>\(escape(lp.cedarPolicy))</pre>"
            }
            list += """
                <section class="finding \(finding.severity.rawValue)"><h3>\(escape(finding.title))</h3>
                <p><b>\(finding.severity.rawValue)</b> · \(finding.owasp.rawValue) \(escape(finding.owasp.title)) · \(finding.category.rawValue) · \(tracked.status.rawValue) · <code>\(finding.id)</code></p>
                <ul>\(evidence)</ul><p>Remediation: \(escape(finding.remediation))</p>\(suggestion)</section>

                """
        }
        return list.isEmpty ? "<p>None.</p>" : list
    }

    /// A complete page: inline CSS (with a print stylesheet), no scripts, no external resources.
    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#111}
        table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f0f0f0}td{overflow-wrap:anywhere}
        .finding{border-left:4px solid #999;padding:.2rem .8rem;margin:1rem 0;break-inside:avoid}
        .critical,.high{border-color:#b00}.medium{border-color:#c80}.low{border-color:#68a}
        pre{background:#f4f4f4;padding:.5rem;white-space:pre-wrap}
        @media print{body{margin:0;max-width:none;font-size:10pt}a{color:inherit}h2{break-after:avoid}tr{break-inside:avoid}
        th{background:none}pre{background:none;border:1px solid #bbb}}
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension HTMLReport {
    /// One identity's evidence as a self-contained, printable page.
    public static func evidence(_ report: EvidenceReport) -> String {
        let identity = report.identity
        var body = "<h1>Evidence report: \(escape(identity.clientID))</h1>\n"
        body +=
            "<p>Generated \(ISO8601.format(report.generatedAt)) from audit records up to seq \(report.auditHeadSeq.map(String.init) ?? "-").</p>\n"
        body += "<h2>Ownership and inventory</h2>\n"
        let owner = "\(identity.owner) (\(report.ownerStatus))\(report.awaitingReassignment ? ", awaiting re-assignment" : "")"
        body += table(
            ["field", "value"],
            [
                ["inventory id", identity.id], ["kind", identity.kind.rawValue], ["owner", owner], ["purpose", identity.purpose],
                ["environment", identity.environment ?? "-"], ["status", identity.status.rawValue],
                ["granted scopes", identity.scopes.joined(separator: " ")],
                ["expires at", identity.expiresAt.map(ISO8601.format) ?? "-"],
                ["review by", identity.reviewBy.map(ISO8601.format) ?? "-"], ["created", ISO8601.format(identity.createdAt)],
            ])
        body += "<h2>Credentials (leases: \(report.credentials.count))</h2>\n"
        body += table(
            ["id", "kind", "task", "issued", "expires", "ended"],
            report.credentials.map {
                [
                    $0.id, $0.kind, $0.task ?? "-", ISO8601.format($0.issuedAt), ISO8601.format($0.expiresAt),
                    MarkdownReport.ended($0),
                ]
            })
        for (title, entries) in [
            ("Credentials issued", report.issuances), ("Revocations", report.revocations), ("Key rotations", report.rotations),
            ("Lifecycle changes", report.lifecycle),
        ] {
            body += "<h2>\(title) (\(entries.count))</h2>\n"
            body += table(
                ["audit #", "time", "event", "actor", "detail"],
                entries.map { ["\($0.seq)", $0.time, $0.type, $0.actor ?? "-", $0.summary] })
        }
        body += "<h2>Exceptions (\(report.exceptions.count))</h2>\n"
        body += table(
            ["id", "owner", "scopes", "created", "expires", "state", "uses", "justification"],
            report.exceptions.map {
                [
                    $0.id, $0.owner, $0.scopes.joined(separator: " "), ISO8601.format($0.createdAt), ISO8601.format($0.expiresAt),
                    $0.state(at: report.generatedAt).rawValue, "\($0.uses)", $0.justification,
                ]
            })
        body += "<h2>Open findings (\(report.findings.count))</h2>\n" + findingSections(report.findings)
        body += "<h2>Control mapping</h2>\n"
        body += table(
            ["OWASP NHI Top 10 (2025)", "NIST CSF 2.0", "findings"],
            OWASPItem.allCases.map { item in
                [
                    "\(item.rawValue) \(item.title)", MarkdownReport.nist(item),
                    "\(report.findings.filter { $0.finding.owasp == item }.count)",
                ]
            })
        return page(title: "Evidence: \(identity.clientID)", body: body)
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p>None.</p>\n" }
        var out = "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows { out += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return out + "</table>\n"
    }
}
