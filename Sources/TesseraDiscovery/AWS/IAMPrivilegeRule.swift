/// Decides which policy statements make an identity privileged beyond an application's needs, and says why.
///
/// An `Allow` statement is privileged when it grants:
/// - every action: `"Action": "*"` (or `"*:*"`), on any resource (the evidence names the resources);
/// - every action but some: `NotAction` on every resource (`"Resource": "*"` or a `NotResource`);
/// - every action of a service: `"<service>:*"` on every resource;
/// - an IAM action that lets it raise its own privileges (attach or put a policy, create a policy version, create
///   an access key or console password for someone, change a trust policy, add a user to a group, pass a role) on
///   every resource, written out or through a wildcard (`iam:Put*`).
/// Anything narrower is not: `"Action": "s3:GetObject", "Resource": "*"` reads objects and is not privileged, and
/// `iam:Get*`/`iam:List*` read IAM without changing it. `Deny` statements, permission boundaries and organisation
/// policies are not subtracted: the evidence says what an `Allow` grants.
public enum IAMPrivilegeRule {
    /// IAM actions that let a principal grant itself (or a principal it controls) more than it has.
    public static let escalationActions = [
        "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy",
        "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:CreatePolicyVersion", "iam:PassRole", "iam:PutGroupPolicy",
        "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:SetDefaultPolicyVersion", "iam:UpdateAssumeRolePolicy",
        "iam:UpdateLoginProfile",
    ]

    /// The evidence a document gives (empty: not privileged), one sentence per privileged grant.
    public static func evidence(_ document: IAMPolicyDocument) -> [String] {
        var found: [String] = []
        for statement in document.statements where statement.allows {
            let resources = describe(statement)
            let actions = statement.actions.map { $0.lowercased() }
            if actions.contains("*") || actions.contains("*:*") {
                let label = statement.coversEveryResource ? " (full administrator)" : ""
                found.append("Action \"*\" on \(resources)\(label)")
                continue
            }
            guard statement.coversEveryResource else { continue }
            if let notActions = statement.notActions {
                found.append("Allow with NotAction \(quoted(notActions)) on \(resources) (every other action)")
                continue
            }
            for (original, action) in zip(statement.actions, actions) where action.hasSuffix(":*") {
                let service = action.dropLast(2)
                found.append("Action \"\(original)\" on \(resources) (every \(service) action)")
            }
            let escalations = escalationActions.filter { target in
                actions.contains { !$0.hasSuffix(":*") && glob($0, matches: target.lowercased()) }
            }
            if !escalations.isEmpty && !actions.contains("iam:*") {
                found.append("\(escalations.joined(separator: ", ")) on \(resources) (can raise its own privileges)")
            }
        }
        var seen = Set<String>()
        return found.filter { seen.insert($0).inserted }
    }

    static func describe(_ statement: IAMPolicyDocument.Statement) -> String {
        if let notResources = statement.notResources { return "every resource but \(quoted(notResources))" }
        if statement.resources.contains("*") { return "Resource \"*\"" }
        return "Resource \(quoted(statement.resources))"
    }

    static func quoted(_ values: [String]) -> String {
        let shown = values.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
        return values.count > 5 ? "[\(shown), … \(values.count - 5) more]" : (values.count == 1 ? shown : "[\(shown)]")
    }

    /// IAM's wildcard match (`*` any run, `?` one character), both sides lower-cased by the caller.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let t = Array(text.unicodeScalars)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
