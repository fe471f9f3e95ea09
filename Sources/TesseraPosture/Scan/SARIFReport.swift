import Foundation

/// Renders scan findings as SARIF 2.1.0 (one run, one rule per built-in rule that fired).
public enum SARIFReport {
    /// The SARIF log as JSON bytes.
    public static func render(_ findings: [SecretFinding], rules: [SecretRule] = SecretRules.all, version: String) throws -> Data
    {
        let fired = Set(findings.map(\.ruleID))
        let ruleObjects: [[String: Any]] = rules.filter { fired.contains($0.id) }.map { rule in
            [
                "id": rule.id, "name": rule.name, "shortDescription": ["text": rule.name],
                "help": ["text": rule.remediation], "defaultConfiguration": ["level": "error"],
                "properties": ["tags": ["security", "secret", "OWASP-NHI2"]],
            ]
        }
        let results: [[String: Any]] = findings.map { finding in
            var properties: [String: Any] = ["redacted": finding.redacted]
            if let commit = finding.commit { properties["commit"] = commit }
            return [
                "ruleId": finding.ruleID, "level": "error",
                "message": ["text": "Hard-coded secret (\(finding.ruleID)): \(finding.redacted)"],
                "locations": [
                    [
                        "physicalLocation": [
                            "artifactLocation": ["uri": finding.path],
                            "region": ["startLine": finding.line, "startColumn": finding.column],
                        ]
                    ]
                ],
                "partialFingerprints": ["secretFingerprint/v1": finding.fingerprint],
                "properties": properties,
            ]
        }
        let log: [String: Any] = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
            "runs": [
                [
                    "tool": [
                        "driver": [
                            "name": "tessera-scan", "informationUri": "https://github.com/tessera-nhi/tessera",
                            "semanticVersion": version, "rules": ruleObjects,
                        ]
                    ],
                    "results": results,
                ]
            ],
        ]
        return try JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
