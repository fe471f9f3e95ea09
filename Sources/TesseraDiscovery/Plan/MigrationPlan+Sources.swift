import Foundation
import TesseraCore

extension MigrationPlan {
    static func postgres(_ identity: DiscoveredIdentity) -> (summary: String, steps: [Step], retire: String) {
        let role = identity.name
        var grants: [String] = []
        for grant in identity.observation.grants {
            if grant.hasPrefix("member of ") {
                grants.append("GRANT \(quoteIdentifier(String(grant.dropFirst("member of ".count)))) TO {{name}}")
            } else if let (privilege, kind, object) = splitGrant(grant), Self.grantablePrivileges.contains(privilege),
                ["database", "schema"].contains(kind)
            {
                grants.append("GRANT \(privilege) ON \(kind.uppercased()) \(quoteIdentifier(object)) TO {{name}}")
            }
        }
        let statements =
            ["CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiry}}"] + grants
        let template: [String: Any] = ["creation": statements, "max_ttl": 3600]
        let json =
            (try? JSONSerialization.data(withJSONObject: [role: template], options: [.prettyPrinted, .sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let steps = [
            Step(
                "Add a dynamic role template with the grants the role holds today (trim what it does not use)",
                "# the role templates file (tessera server --postgres-roles FILE); a quoted heredoc: nothing in it is expanded\n"
                    + "cat > postgres-roles.json <<'TESSERA_TEMPLATE'\n\(json)\nTESSERA_TEMPLATE"),
            Step(
                "Have the workload ask for a per-task credential instead of reading the static password",
                "tessera secret postgres --role \(shellQuote(role)) --access-token \"$(tessera token request ... --task $TASK)\"   # created for the task, dropped when it ends"
            ),
        ]
        return (
            "PostgreSQL role \(text(role)) with a static password → a role created per task by Tessera's dynamic secrets and dropped at revocation",
            steps,
            "ALTER ROLE \(quoteIdentifier(role)) NOLOGIN; ALTER ROLE \(quoteIdentifier(role)) PASSWORD NULL;"
        )
    }

    static func aws(
        _ identity: DiscoveredIdentity, issuer: Issuer, spiffeID: String
    ) -> (summary: String, steps: [Step], retire: String) {
        let provider = issuer.jwtSVIDIssuer ?? issuer.accessTokenIssuer
        let host = provider.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        let account =
            identity.externalID.split(separator: ":").dropFirst(4).first.map(String.init).flatMap {
                $0.count == 12 && $0.allSatisfy(\.isNumber) ? $0 : nil
            } ?? "<ACCOUNT_ID>"
        let trustDocument: [String: Any] = [
            "Version": "2012-10-17",
            "Statement": [
                [
                    "Effect": "Allow", "Principal": ["Federated": "arn:aws:iam::\(account):oidc-provider/\(host)"],
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": ["StringEquals": ["\(host):aud": "sts.amazonaws.com", "\(host):sub": spiffeID]],
                ] as [String: Any]
            ],
        ]
        let trust =
            (try? JSONSerialization.data(
                withJSONObject: trustDocument, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let used = identity.observation.credentials.compactMap { $0.details["last_used_service"] }
            .filter { !$0.isEmpty && $0 != "N/A" }
        let policies = identity.observation.grants.joined(separator: ", ")
        let roleName = "\(identity.name)-from-tessera"
        var steps = [
            Step(
                "Trust Tessera's issuer once per account (docs/federation-out.md)",
                "aws iam create-open-id-connect-provider --url \(shellQuote(provider)) --client-id-list sts.amazonaws.com"),
            Step(
                "Create a role the workload assumes with its Tessera identity (trust.json)",
                "cat > trust.json <<'TESSERA_TRUST'\n\(trust)\nTESSERA_TRUST\naws iam create-role --role-name \(shellQuote(roleName)) --assume-role-policy-document file://trust.json --max-session-duration 3600"
            ),
        ]
        steps.append(
            Step(
                "Attach only what it used",
                (used.isEmpty
                    ? "# The keys show no recorded use: start with no permissions and add what the workload is refused.\n"
                    : "# Its keys were last used with: \(text(Set(used).sorted().joined(separator: ", "))). Keep those services only.\n")
                    + "# Policies it holds today: \(text(policies.isEmpty ? "none" : policies))\n"
                    + "aws iam put-role-policy --role-name \(shellQuote(roleName)) --policy-name used --policy-document file://used.json"
            ))
        let keys = identity.observation.credentials.filter { $0.kind == "access-key" }.map(\.reference)
        let retire =
            identity.observation.kind == "iam-user"
            ? keys.map {
                "aws iam update-access-key --user-name \(shellQuote(identity.name)) --access-key-id \(shellQuote($0)) --status Inactive"
            }
            .joined(separator: "\n") + (keys.isEmpty ? "" : "\n")
                + "# then, after a quiet period: aws iam delete-access-key ..."
            : "Remove the old principals from the role's trust policy; keep only Tessera's provider."
        return (
            "AWS \(text(identity.observation.kind)) \(text(identity.name)) with long-lived access keys → an IAM role assumed with a short-lived Tessera token (AssumeRoleWithWebIdentity)",
            steps, retire
        )
    }

    static func openbao(
        _ identity: DiscoveredIdentity, issuer: Issuer, spiffeID: String
    ) -> (summary: String, steps: [Step], retire: String) {
        let policies =
            identity.observation.attributes["token_policies"] ?? identity.observation.attributes["policies"] ?? "<POLICIES>"
        let name = identity.observation.kind == "approle" ? identity.name : "migrated-\(identity.id)"
        let steps = [
            Step(
                "Let OpenBao/Vault verify Tessera tokens (once)",
                "bao auth enable -path=tessera jwt\nbao write auth/tessera/config oidc_discovery_url=\(shellQuote(issuer.accessTokenIssuer))"
            ),
            Step(
                "A JWT role bound to the workload's SPIFFE ID, with the same policies and a short TTL",
                """
                bao write \(shellQuote("auth/tessera/role/" + name)) role_type=jwt user_claim=sub \\
                  bound_subject=\(shellQuote(spiffeID)) bound_audiences=openbao token_policies=\(shellQuote(policies)) \\
                  token_ttl=15m token_max_ttl=1h
                """),
        ]
        let retire =
            identity.observation.kind == "approle"
            ? "bao list auth/<MOUNT>/role/\(text(identity.name).filter { $0.isLetter || $0.isNumber || "-_.".contains($0) })/secret-id   # destroy each, then:\n"
                + "bao delete \(shellQuote("auth/<MOUNT>/role/" + identity.name))"
            : "bao token revoke -accessor <ACCESSOR>   # the accessor whose fingerprint is \(text(identity.observation.credentials.first?.reference ?? "recorded"))"
        return (
            "OpenBao \(text(identity.observation.kind)) \(text(identity.name)) → a JWT auth role that accepts the workload's Tessera token (no secret ID, no long-lived token)",
            steps, retire
        )
    }

    static func staticSecret(_ identity: DiscoveredIdentity) -> (summary: String, steps: [Step], retire: String) {
        (
            "Static secret \(text(identity.name)) → rotate it now, then replace it with dynamic credentials or task-scoped tokens",
            [
                Step(
                    "Track it with an owner and a rotation period, rotate it, and record the rotation",
                    "tessera secret add --kind kv --location \(shellQuote(identity.externalID)) --owner \(shellQuote(identity.owner ?? "<OWNER>")) --rotation-days 90\ntessera secret rotated <STATIC_SECRET_ID>"
                )
            ],
            "Delete the secret's versions once nothing reads them."
        )
    }

    static func host(_ identity: DiscoveredIdentity) -> (summary: String, steps: [Step], retire: String) {
        (
            "Host account \(text(identity.name)) with static SSH keys or jobs → the jobs run with an SVID from `tessera agent` and fetch task-scoped tokens",
            [
                Step(
                    "Register each job as a workload on the node (attested by uid and executable)",
                    "tessera entry create --spiffe-id <SPIFFE_ID> --node <NODE> --selector unix:uid:\(uid(identity))"
                )
            ],
            "Remove the account's authorized_keys entries, or restrict each with from= and command= until removed."
        )
    }

    /// Privileges a generated GRANT may name (anything else in a grant's text is left out).
    static let grantablePrivileges: Set<String> = ["CONNECT", "CREATE", "TEMPORARY", "TEMP", "USAGE"]

    /// The account's uid when it is a number, else a placeholder.
    static func uid(_ identity: DiscoveredIdentity) -> String {
        guard let uid = identity.observation.attributes["uid"], !uid.isEmpty, uid.count <= 10, uid.allSatisfy(\.isNumber) else {
            return "<UID>"
        }
        return uid
    }

    /// A double-quoted SQL identifier (control characters replaced: the statement is printed to be pasted).
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + text(name).replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"CONNECT on database app"` → ("CONNECT", "database", "app").
    static func splitGrant(_ grant: String) -> (String, String, String)? {
        let words = grant.split(separator: " ", maxSplits: 3).map(String.init)
        guard words.count == 4, words[1] == "on" else { return nil }
        return (words[0], words[2], words[3])
    }
}
