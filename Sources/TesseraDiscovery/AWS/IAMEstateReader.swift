import Foundation

/// Reads the details of users, roles, groups and managed policies, several calls at a time; a call that fails
/// becomes a gap on the identity (what could not be read, and why) instead of stopping the run.
struct IAMEstateReader: Sendable {
    let client: IAMClient
    let concurrency: Int

    func users(_ listed: [XMLNode]) async throws -> [IAMUserFacts] {
        try await listed.concurrentMap(limit: concurrency) { user in await self.user(user) }
    }

    func roles(_ listed: [XMLNode]) async throws -> [IAMRoleFacts] {
        try await listed.concurrentMap(limit: concurrency) { role in await self.role(role) }
    }

    func groups(_ names: [String]) async throws -> [IAMGroupFacts] {
        try await names.concurrentMap(limit: concurrency) { name in
            var facts = IAMGroupFacts(name: name)
            let subject = [("GroupName", name)]
            facts.attached = await self.listing("ListAttachedGroupPolicies", subject, "AttachedPolicies", &facts.gaps)
            facts.inline = await self.inline("ListGroupPolicies", "GetGroupPolicy", subject, &facts.gaps)
            return facts
        }
    }

    func managedPolicies(_ arns: [String]) async throws -> [IAMManagedPolicy] {
        try await arns.concurrentMap(limit: concurrency) { arn in await self.managedPolicy(arn) }
    }

    func user(_ user: XMLNode) async -> IAMUserFacts {
        var facts = IAMUserFacts(user: user)
        let name = user.string("UserName") ?? ""
        let subject = [("UserName", name)]
        for key in await listing("ListAccessKeys", subject, "AccessKeyMetadata", &facts.gaps) {
            var lastUsed: XMLNode?
            if let id = key.string("AccessKeyId") {
                lastUsed = await detail("GetAccessKeyLastUsed", [("AccessKeyId", id)], &facts.gaps)?["AccessKeyLastUsed"]
            }
            facts.keys.append(.init(metadata: key, lastUsed: lastUsed))
        }
        do {
            facts.loginProfile = try await client.call("GetLoginProfile", subject, allowMissing: true)?["LoginProfile"]
        } catch let error as DiscoveryError {
            facts.gaps.append(IAMGap(action: "GetLoginProfile", error: error))
        } catch {
            facts.gaps.append(IAMGap(action: "GetLoginProfile", error: DiscoveryError(.unreachable, source: "aws", "\(error)")))
        }
        facts.attached = await listing("ListAttachedUserPolicies", subject, "AttachedPolicies", &facts.gaps)
        facts.inline = await inline("ListUserPolicies", "GetUserPolicy", subject, &facts.gaps)
        facts.groups = await listing("ListGroupsForUser", subject, "Groups", &facts.gaps).compactMap { $0.string("GroupName") }
        return facts
    }

    func role(_ role: XMLNode) async -> IAMRoleFacts {
        var facts = IAMRoleFacts(role: role)
        let subject = [("RoleName", role.string("RoleName") ?? "")]
        if let full = await detail("GetRole", subject, &facts.gaps)?["Role"] {
            facts.role = full
            facts.lastUsedKnown = true
        }
        facts.attached = await listing("ListAttachedRolePolicies", subject, "AttachedPolicies", &facts.gaps)
        facts.inline = await inline("ListRolePolicies", "GetRolePolicy", subject, &facts.gaps)
        return facts
    }

    func managedPolicy(_ arn: String) async -> IAMManagedPolicy {
        var gaps: [IAMGap] = []
        let name = String(arn.split(separator: "/").last ?? Substring(arn))
        guard let policy = await detail("GetPolicy", [("PolicyArn", arn)], &gaps)?["Policy"],
            let version = policy.string("DefaultVersionId")
        else { return IAMManagedPolicy(arn: arn, name: name, document: nil, gap: gaps.first) }
        let answer = await detail("GetPolicyVersion", [("PolicyArn", arn), ("VersionId", version)], &gaps)
        let document = answer?.string("PolicyVersion", "Document").flatMap(IAMPolicyDocument.parse)
        if answer != nil && document == nil {
            gaps.append(
                IAMGap(
                    action: "GetPolicyVersion",
                    error: DiscoveryError(.malformed, source: "aws", "policy \(arn) is not a policy document")))
        }
        return IAMManagedPolicy(arn: arn, name: policy.string("PolicyName") ?? name, document: document, gap: gaps.first)
    }

    /// Inline policies: their names, then each document.
    func inline(_ list: String, _ get: String, _ subject: [(String, String)], _ gaps: inout [IAMGap]) async -> [IAMInlinePolicy] {
        var policies: [IAMInlinePolicy] = []
        for member in await listing(list, subject, "PolicyNames", &gaps) {
            let name = member.text
            let document = await detail(get, subject + [("PolicyName", name)], &gaps)?.string("PolicyDocument")
            let parsed = document.flatMap(IAMPolicyDocument.parse)
            if document != nil && parsed == nil {
                gaps.append(
                    IAMGap(
                        action: get,
                        error: DiscoveryError(.malformed, source: "aws", "inline policy \(name) is not a policy document")))
            }
            policies.append(IAMInlinePolicy(name: name, document: parsed))
        }
        return policies
    }

    func listing(_ action: String, _ parameters: [(String, String)], _ items: String, _ gaps: inout [IAMGap]) async -> [XMLNode] {
        let listing = await client.list(action, parameters, items: items)
        if let failure = listing.failure { gaps.append(IAMGap(action: action, error: failure)) }
        return listing.items
    }

    func detail(_ action: String, _ parameters: [(String, String)], _ gaps: inout [IAMGap]) async -> XMLNode? {
        do {
            return try await client.call(action, parameters)
        } catch let error as DiscoveryError {
            gaps.append(IAMGap(action: action, error: error))
        } catch {
            gaps.append(IAMGap(action: action, error: DiscoveryError(.unreachable, source: "aws", "\(error)")))
        }
        return nil
    }
}
