import Foundation
import TesseraPosture

/// Sends scan findings to `POST /v1/static-secrets` (idempotent per fingerprint and location).
struct StaticSecretRegistrar {
    let client: AdminClient
    let owner: String?
    let rotationDays: Int

    func register(_ findings: [SecretFinding], root: String) async throws -> Int {
        var count = 0
        for finding in findings {
            var body: [String: Any] = [
                "kind": finding.ruleID, "location": "\(root.hasSuffix("/") ? root : root + "/")\(finding.location)",
                "fingerprint": finding.fingerprint, "redacted": finding.redacted, "source": "scan",
                "rotation_period_days": rotationDays,
            ]
            if let owner { body["owner"] = owner }
            _ = try await client.expect("POST", "/v1/static-secrets", json: body)
            count += 1
        }
        return count
    }
}
