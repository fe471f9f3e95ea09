/// Who can assume a role, read from its trust policy (`AssumeRolePolicyDocument`).
///
/// Kinds: `service` (an AWS service such as `ec2.amazonaws.com`), `web-identity` (an OIDC provider or a web identity
/// federation such as Cognito: `sts:AssumeRoleWithWebIdentity`), `saml`, `same-account`, `cross-account` and
/// `public` (`"Principal": "*"`). Risks, each a sentence: anyone may assume it (`*` without a condition); every
/// principal of another account may (its `:root` or bare account id, whatever the condition); any token of a web
/// identity provider may (no condition on the provider's `sub`, or only `*`; for Cognito, on its `aud`).
public struct IAMTrustAnalysis: Sendable, Equatable {
    public let kinds: [String]
    /// `Service:ec2.amazonaws.com`, `AWS:arn:aws:iam::999999999999:root`, `Federated:arn:…:oidc-provider/…`.
    public let principals: [String]
    public let risks: [String]

    /// Analyses the `Allow` statements of a trust policy; `account` is the role's own account.
    public static func analyse(_ document: IAMPolicyDocument, account: String?) -> IAMTrustAnalysis {
        var kinds = Set<String>()
        var principals: [String] = []
        var risks: [String] = []
        for statement in document.statements where statement.allows {
            let conditionKeys = statement.conditionKeys
            for (type, values) in statement.principals.sorted(by: { $0.key < $1.key }) {
                for value in values {
                    principals.append(type == "*" ? "*" : "\(type):\(value)")
                    switch type == "AWS" && value == "*" ? "*" : type {
                    case "*":
                        kinds.insert("public")
                        if conditionKeys.isEmpty { risks.append("anyone may assume it (Principal \"*\" without a condition)") }
                    case "AWS":
                        let (other, wholeAccount) = accountOf(value)
                        if let other, other != account {
                            kinds.insert("cross-account")
                            if wholeAccount {
                                let with =
                                    conditionKeys.isEmpty
                                    ? "" : " (condition on \(conditionKeys.sorted().joined(separator: ", ")))"
                                risks.append("every principal of account \(other) may assume it (\(value))\(with)")
                            }
                        } else {
                            kinds.insert("same-account")
                        }
                    case "Service":
                        kinds.insert("service")
                    case "Federated" where value.contains(":saml-provider/"):
                        kinds.insert("saml")
                    case "Federated":
                        kinds.insert("web-identity")
                        let provider = value.components(separatedBy: "oidc-provider/").last ?? value
                        let pin = provider == "cognito-identity.amazonaws.com" ? "aud" : "sub"
                        if !pinned(statement, key: "\(provider.lowercased()):\(pin)") {
                            risks.append("any token from \(provider) may assume it (no condition on \(provider):\(pin))")
                        }
                    default:
                        kinds.insert(type.lowercased())
                    }
                }
            }
        }
        return IAMTrustAnalysis(kinds: kinds.sorted(), principals: principals, risks: risks)
    }

    /// The account a principal names and whether it is the whole account (`123456789012` or `arn:…:root`).
    static func accountOf(_ principal: String) -> (String?, Bool) {
        if principal.count == 12 && principal.allSatisfy(\.isNumber) { return (principal, true) }
        let parts = principal.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 6, parts[0] == "arn" else { return (nil, false) }
        return (String(parts[4]), parts[5] == "root")
    }

    /// Whether a condition on `key` limits the values to something other than `*`.
    static func pinned(_ statement: IAMPolicyDocument.Statement, key: String) -> Bool {
        for (_, keys) in statement.conditions {
            for (name, values) in keys where name.lowercased() == key {
                if !values.isEmpty && !values.allSatisfy({ $0 == "*" }) { return true }
            }
        }
        return false
    }
}
