import Foundation
import TesseraCore

/// Renders the estate report as one self-contained HTML page (inline CSS, no scripts, readable when printed).
public enum HTMLReport {
    /// The estate: control mapping (OWASP NHI Top 10, NIST CSF 2.0) and every finding with its evidence.
    public static func estate(_ findings: [TrackedFinding], generatedAt: Date, identities: Int) -> String {
        var rows = ""
        for item in OWASPItem.allCases {
            let count = findings.filter { $0.finding.owasp == item }.count
            rows += "<tr><td>\(item.rawValue) \(escape(item.title))</td><td>\(MarkdownReport.nist(item))</td><td>\(count)</td></tr>\n"
        }
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
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Tessera posture report</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#111}
            table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:.3rem .5rem;text-align:left}
            .finding{border-left:4px solid #999;padding:.2rem .8rem;margin:1rem 0;break-inside:avoid}
            .critical,.high{border-color:#b00}.medium{border-color:#c80}.low{border-color:#68a}
            pre{background:#f4f4f4;padding:.5rem;white-space:pre-wrap}
            @media print{body{margin:0;max-width:none}a{color:inherit}}
            </style></head><body>
            <h1>Tessera posture report</h1>
            <p>Generated \(ISO8601.format(generatedAt)); \(identities) identities, \(findings.count) findings.</p>
            <h2>Control mapping</h2>
            <table><tr><th>OWASP NHI Top 10 (2025)</th><th>NIST CSF 2.0</th><th>findings</th></tr>
            \(rows)</table>
            <h2>Findings</h2>
            \(list.isEmpty ? "<p>None.</p>" : list)
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
