import Foundation
import TesseraCore

/// Turns what was read about users and roles into observations: credentials (access keys, console password),
/// grants, privilege evidence (``IAMPrivilegeRule``), trust (``IAMTrustAnalysis``), human-use evidence and last use.
struct IAMObservationMapper: Sendable {
    let account: String?
    let managed: [String: IAMManagedPolicy]
    let groups: [String: IAMGroupFacts]

    func observation(_ facts: IAMUserFacts) -> DiscoveryObservation {
        let user = facts.user
        let name = user.string("UserName") ?? ""
        var credentials: [DiscoveredCredential] = []
        var interactive: [String] = []
        for key in facts.keys {
            let id = key.metadata.string("AccessKeyId") ?? ""
            var details: [String: String] = [:]
            let service = key.lastUsed?.string("ServiceName").flatMap { $0 == "N/A" ? nil : $0 }
            if let service { details["last_used_service"] = service }
            if let region = key.lastUsed?.string("Region"), region != "N/A" { details["last_used_region"] = region }
            if let service, ["signin", "console"].contains(service.lowercased()) {
                interactive.append("access key \(id) last used with \(service)")
            }
            credentials.append(
                DiscoveredCredential(
                    kind: "access-key", reference: id, status: key.metadata.string("Status")?.lowercased(),
                    createdAt: IAMDate.parse(key.metadata.string("CreateDate")),
                    lastUsedAt: IAMDate.parse(key.lastUsed?.string("LastUsedDate")), expiryKnown: true, details: details))
        }
        let passwordLastUsed = IAMDate.parse(user.string("PasswordLastUsed"))
        if let profile = facts.loginProfile {
            credentials.append(
                DiscoveredCredential(
                    kind: "password", reference: "console-password", status: "active",
                    createdAt: IAMDate.parse(profile.string("CreateDate")), lastUsedAt: passwordLastUsed,
                    details: ["password_reset_required": profile.string("PasswordResetRequired") ?? "false"]))
            if credentials.contains(where: { $0.kind == "access-key" && $0.status == "active" }) {
                interactive.append("console password set for a user that has access keys")
            }
        }
        if let passwordLastUsed { interactive.append("console sign-in at \(passwordLastUsed.formatted(.iso8601))") }

        var grants: [String] = []
        var privileged: [String] = []
        var unknowns = facts.gaps.map { "\($0.consequence) (\($0.error.reason))" }
        collect(facts.attached, facts.inline, where: "", &grants, &privileged, &unknowns)
        for group in facts.groups.sorted() {
            grants.append("group \(group)")
            guard let groupFacts = groups[group] else { continue }
            unknowns += groupFacts.gaps.map { "group \(group): \($0.consequence) (\($0.error.reason))" }
            collect(groupFacts.attached, groupFacts.inline, where: " (group \(group))", &grants, &privileged, &unknowns)
        }
        let activeKeys = facts.keys.filter { $0.metadata.string("Status") == "Active" }.count
        var attributes = [
            "path": user.string("Path") ?? "/", "console_password": facts.loginProfile == nil ? "false" : "true",
            "active_access_keys": String(activeKeys),
        ]
        if let id = user.string("UserId") { attributes["user_id"] = id }
        if !facts.groups.isEmpty { attributes["groups"] = facts.groups.sorted().joined(separator: ",") }
        let lastUsed = ([passwordLastUsed] + credentials.map(\.lastUsedAt)).compactMap { $0 }.max()
        return DiscoveryObservation(
            externalID: user.string("Arn") ?? name, name: name, kind: "iam-user", credentials: credentials,
            grants: grants, privileged: privileged, interactiveUse: interactive, lastUsedAt: lastUsed,
            usageKnown: !facts.gaps.contains { $0.action == "ListAccessKeys" || $0.action == "GetAccessKeyLastUsed" },
            createdAt: IAMDate.parse(user.string("CreateDate")), attributes: attributes, unknowns: unknowns)
    }

    func observation(_ facts: IAMRoleFacts) -> DiscoveryObservation {
        let role = facts.role
        let name = role.string("RoleName") ?? ""
        var grants: [String] = []
        var privileged: [String] = []
        var unknowns = facts.gaps.map { "\($0.consequence) (\($0.error.reason))" }
        collect(facts.attached, facts.inline, where: "", &grants, &privileged, &unknowns)
        var attributes = ["path": role.string("Path") ?? "/"]
        if let id = role.string("RoleId") { attributes["role_id"] = id }
        if let duration = role.string("MaxSessionDuration") { attributes["max_session_duration"] = duration }
        if (role.string("Path") ?? "").hasPrefix("/aws-service-role/") { attributes["service_linked"] = "true" }
        if let text = role.string("AssumeRolePolicyDocument"), let document = IAMPolicyDocument.parse(text) {
            let trust = IAMTrustAnalysis.analyse(document, account: account)
            attributes["trust"] = trust.kinds.joined(separator: ",")
            attributes["trusted_principals"] = trust.principals.joined(separator: "; ")
            if !trust.risks.isEmpty { attributes["trust_risk"] = trust.risks.joined(separator: "; ") }
        } else {
            unknowns.append("the trust policy (who can assume the role) could not be read")
        }
        let lastUsed = IAMDate.parse(role.string("RoleLastUsed", "LastUsedDate"))
        if let region = role.string("RoleLastUsed", "Region") { attributes["last_used_region"] = region }
        return DiscoveryObservation(
            externalID: role.string("Arn") ?? name, name: name, kind: "iam-role", grants: grants, privileged: privileged,
            lastUsedAt: lastUsed, usageKnown: facts.lastUsedKnown, createdAt: IAMDate.parse(role.string("CreateDate")),
            attributes: attributes, unknowns: unknowns)
    }

    /// Grants and privilege evidence of attached and inline policies; `place` says where they come from.
    func collect(
        _ attached: [XMLNode], _ inline: [IAMInlinePolicy], where place: String, _ grants: inout [String],
        _ privileged: inout [String], _ unknowns: inout [String]
    ) {
        for member in attached {
            let arn = member.string("PolicyArn") ?? ""
            let name = member.string("PolicyName") ?? arn
            grants.append("policy \(name)\(place)")
            let policy = managed[arn]
            if let document = policy?.document {
                privileged += IAMPrivilegeRule.evidence(document).map { "policy \(name)\(place): \($0)" }
            } else {
                unknowns.append("policy \(name)\(place) was not read: \(policy?.gap?.error.reason ?? "no document")")
                if arn == "arn:aws:iam::aws:policy/AdministratorAccess" {
                    privileged.append("policy AdministratorAccess\(place) attached (AWS managed: every action on every resource)")
                }
            }
        }
        for policy in inline {
            grants.append("inline policy \(policy.name)\(place)")
            guard let document = policy.document else { continue }
            privileged += IAMPrivilegeRule.evidence(document).map { "inline policy \(policy.name)\(place): \($0)" }
        }
    }
}
