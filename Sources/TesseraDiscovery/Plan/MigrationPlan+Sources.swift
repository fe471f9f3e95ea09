import Foundation
import TesseraCore

extension MigrationPlan {
    static func postgres(_ identity: DiscoveredIdentity) -> (summary: String, steps: [Step], retire: String) {
        let role = identity.name
        var grants: [String] = []
        for grant in identity.observation.grants {
            if grant.hasPrefix("member of ") {
                grants.append("GRANT \(quoteIdentifier(String(grant.dropFirst("member of ".count)))) TO {{name}}")
            } else if let (privilege, kind, object) = splitGrant(grant), privilege != "OWNER" {
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
                "# postgres-templates.json (tessera server --postgres-templates FILE)\n\(json)"),
            Step(
                "Have the workload ask for a per-task credential instead of reading the static password",
                "tessera secret postgres --role \(shellQuote(role)) --access-token \"$(tessera token request ... --task $TASK)\"   # created for the task, dropped when it ends"
            ),
        ]
        return (
            "PostgreSQL role \(role) with a static password → a role created per task by Tessera's dynamic secrets and dropped at revocation",
            steps,
            "ALTER ROLE \(quoteIdentifier(role)) NOLOGIN; ALTER ROLE \(quoteIdentifier(role)) PASSWORD NULL;"
        )
    }

    static func aws(
        _ identity: DiscoveredIdentity, issuer: Issuer, spiffeID: String
    ) -> (summary: String, steps: [Step], retire: String) {
        let provider = issuer.jwtSVIDIssuer ?? issuer.accessTokenIssuer
        let host = provider.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        let account = identity.externalID.split(separator: ":").dropFirst(4).first.map(String.init) ?? "<ACCOUNT_ID>"
        let trust = """
            {
              "Version": "2012-10-17",
              "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::\(account):oidc-provider/\(host)"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"\(host):aud": "sts.amazonaws.com", "\(host):sub": "\(spiffeID)"}}
              }]
            }
            """
        let used = identity.observation.credentials.compactMap { $0.details["last_used_service"] }
            .filter { !$0.isEmpty && $0 != "N/A" }
        let policies = identity.observation.grants.joined(separator: ", ")
        let roleName = "\(identity.name)-from-tessera"
        var steps = [
            Step(
                "Trust Tessera's issuer once per account (docs/federation-out.md)",
                "aws iam create-open-id-connect-provider --url \(provider) --client-id-list sts.amazonaws.com"),
            Step(
                "Create a role the workload assumes with its Tessera identity (trust.json)",
                "\(trust)\naws iam create-role --role-name \(roleName) --assume-role-policy-document file://trust.json --max-session-duration 3600"
            ),
        ]
        steps.append(
            Step(
                "Attach only what it used",
                (used.isEmpty
                    ? "# The keys show no recorded use: start with no permissions and add what the workload is refused.\n"
                    : "# Its keys were last used with: \(Set(used).sorted().joined(separator: ", ")). Keep those services only.\n")
                    + "# Policies it holds today: \(policies.isEmpty ? "none" : policies)\n"
                    + "aws iam put-role-policy --role-name \(roleName) --policy-name used --policy-document file://used.json"))
        let keys = identity.observation.credentials.filter { $0.kind == "access-key" }.map(\.reference)
        let retire =
            identity.observation.kind == "iam-user"
            ? keys.map { "aws iam update-access-key --user-name \(identity.name) --access-key-id \($0) --status Inactive" }
                .joined(separator: "\n") + (keys.isEmpty ? "" : "\n")
                + "# then, after a quiet period: aws iam delete-access-key ..."
            : "Remove the old principals from the role's trust policy; keep only Tessera's provider."
        return (
            "AWS \(identity.observation.kind) \(identity.name) with long-lived access keys → an IAM role assumed with a short-lived Tessera token (AssumeRoleWithWebIdentity)",
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
                "bao auth enable -path=tessera jwt\nbao write auth/tessera/config oidc_discovery_url=\(issuer.accessTokenIssuer)"),
            Step(
                "A JWT role bound to the workload's SPIFFE ID, with the same policies and a short TTL",
                """
                bao write auth/tessera/role/\(name) role_type=jwt user_claim=sub bound_subject=\(spiffeID) \\
                  bound_audiences=openbao token_policies=\(policies) token_ttl=15m token_max_ttl=1h
                """),
        ]
        let retire =
            identity.observation.kind == "approle"
            ? "bao write -f auth/<MOUNT>/role/\(identity.name)/secret-id/destroy ... ; then bao delete auth/<MOUNT>/role/\(identity.name)"
            : "bao token revoke -accessor <ACCESSOR>   # the accessor whose fingerprint is \(identity.observation.credentials.first?.reference ?? "recorded")"
        return (
            "OpenBao \(identity.observation.kind) \(identity.name) → a JWT auth role that accepts the workload's Tessera token (no secret ID, no long-lived token)",
            steps, retire
        )
    }

    static func staticSecret(_ identity: DiscoveredIdentity) -> (summary: String, steps: [Step], retire: String) {
        (
            "Static secret \(identity.name) → rotate it now, then replace it with dynamic credentials or task-scoped tokens",
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
            "Host account \(identity.name) with static SSH keys or jobs → the jobs run with an SVID from `tessera agent` and fetch task-scoped tokens",
            [
                Step(
                    "Register each job as a workload on the node (attested by uid and executable)",
                    "tessera entry create --spiffe-id <SPIFFE_ID> --node <NODE> --selector unix:uid:\(identity.observation.attributes["uid"] ?? "<UID>")"
                )
            ],
            "Remove the account's authorized_keys entries, or restrict each with from= and command= until removed."
        )
    }

    static func quoteIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// `"CONNECT on database app"` → ("CONNECT", "database", "app").
    static func splitGrant(_ grant: String) -> (String, String, String)? {
        let words = grant.split(separator: " ", maxSplits: 3).map(String.init)
        guard words.count == 4, words[1] == "on" else { return nil }
        return (words[0], words[2], words[3])
    }
}
