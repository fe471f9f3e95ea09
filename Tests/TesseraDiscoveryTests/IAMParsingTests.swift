import Foundation
import Testing

@testable import TesseraDiscovery

/// IAM's XML answers (captured from moto), policy documents, the privilege rule and the trust analysis.
struct IAMParsingTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/aws")

    static func fixture(_ name: String) throws -> Data {
        try #require(FileManager.default.contents(atPath: folder.appendingPathComponent(name + ".xml").path))
    }

    static func document(_ json: String) throws -> IAMPolicyDocument { try #require(IAMPolicyDocument.parse(json)) }

    @Test func listUsersReadsEveryMember() throws {
        let root = try #require(XMLNode.parse(try Self.fixture("list-users")))
        let users = try #require(root["ListUsersResult"]).members(of: "Users")
        #expect(users.compactMap { $0.string("UserName") }.contains("legacy-deployer"))
        #expect(users.count == 6)
        #expect(users.first?.string("Arn") == "arn:aws:iam::123456789012:user/legacy-deployer")
        #expect(IAMDate.parse(users.first?.string("CreateDate")) != nil)
    }

    @Test func accessKeyMetadataAndLastUse() throws {
        let keys = try #require(XMLNode.parse(try Self.fixture("list-access-keys"))?["ListAccessKeysResult"])
        #expect(keys.members(of: "AccessKeyMetadata").first?.string("Status") == "Inactive")
        let used = try #require(XMLNode.parse(try Self.fixture("get-access-key-last-used"))?["GetAccessKeyLastUsedResult"])
        #expect(used.string("AccessKeyLastUsed", "ServiceName") == "iam")
        #expect(used.string("AccessKeyLastUsed", "Region") == "us-east-1")
        #expect(IAMDate.parse(used.string("AccessKeyLastUsed", "LastUsedDate")) != nil)
    }

    @Test func errorDocumentsInBothShapes() throws {
        let denied = try #require(XMLNode.parse(try Self.fixture("access-denied")))
        #expect(denied.first(named: "Error")?.string("Code") == "AccessDenied")
        let missing = try #require(XMLNode.parse(try Self.fixture("get-login-profile-missing")))
        #expect(missing.first(named: "Error")?.string("Code") == "NoSuchEntity")
        #expect(XMLNode.parse(Data("<html><body>not IAM".utf8)) == nil)
    }

    @Test func urlEncodedTrustPolicyFromGetRole() throws {
        let role = try #require(XMLNode.parse(try Self.fixture("get-role"))?["GetRoleResult"]?["Role"])
        let text = try #require(role.string("AssumeRolePolicyDocument"))
        #expect(text.hasPrefix("%7B"))
        let trust = IAMTrustAnalysis.analyse(try #require(IAMPolicyDocument.parse(text)), account: "123456789012")
        #expect(trust.kinds == ["web-identity"])
        #expect(trust.risks.count == 1)
        #expect(trust.risks.first?.contains("no condition on token.actions.githubusercontent.com:sub") == true)
    }

    @Test func managedAdministratorAccessIsPrivileged() throws {
        let version = try #require(XMLNode.parse(try Self.fixture("get-policy-version"))?["GetPolicyVersionResult"])
        let document = try #require(version.string("PolicyVersion", "Document").flatMap(IAMPolicyDocument.parse))
        #expect(IAMPrivilegeRule.evidence(document) == ["Action \"*\" on Resource \"*\" (full administrator)"])
        let policy = try #require(XMLNode.parse(try Self.fixture("get-policy"))?["GetPolicyResult"]?["Policy"])
        #expect(policy.string("DefaultVersionId") == "v1")
    }

    @Test func narrowPoliciesAreNotPrivileged() throws {
        let reads = try Self.document(#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#)
        #expect(IAMPrivilegeRule.evidence(reads).isEmpty)
        let discovery = try Self.document(
            #"{"Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}"#)
        #expect(IAMPrivilegeRule.evidence(discovery).isEmpty)
        let denied = try Self.document(#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#)
        #expect(IAMPrivilegeRule.evidence(denied).isEmpty)
        let scoped = try Self.document(#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::logs/*"}]}"#)
        #expect(IAMPrivilegeRule.evidence(scoped).isEmpty)
    }

    @Test func broadPoliciesArePrivileged() throws {
        let star = try Self.document(#"{"Statement":[{"Effect":"Allow","Action":"*:*","Resource":["*"]}]}"#)
        #expect(IAMPrivilegeRule.evidence(star) == ["Action \"*\" on Resource \"*\" (full administrator)"])
        let oneBucket = try Self.document(#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}]}"#)
        #expect(IAMPrivilegeRule.evidence(oneBucket) == ["Action \"*\" on Resource \"arn:aws:s3:::b\""])
        let iam = try Self.document(#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#)
        #expect(IAMPrivilegeRule.evidence(iam) == ["Action \"iam:*\" on Resource \"*\" (every iam action)"])
        let notAction = try Self.document(#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#)
        #expect(IAMPrivilegeRule.evidence(notAction).first?.contains("NotAction \"iam:*\"") == true)
        let escalate = try Self.document(
            #"{"Statement":[{"Effect":"Allow","Action":["iam:Put*","s3:GetObject"],"Resource":"*"}]}"#)
        #expect(
            IAMPrivilegeRule.evidence(escalate) == [
                "iam:PutGroupPolicy, iam:PutRolePolicy, iam:PutUserPolicy on Resource \"*\" (can raise its own privileges)"
            ])
    }

    @Test func trustKinds() throws {
        let service = try Self.document(
            #"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        let serviceTrust = IAMTrustAnalysis.analyse(service, account: "123456789012")
        #expect(serviceTrust.kinds == ["service"] && serviceTrust.risks.isEmpty)
        let partner = try #require(XMLNode.parse(try Self.fixture("get-role-partner"))?["GetRoleResult"]?["Role"])
        let partnerTrust = IAMTrustAnalysis.analyse(
            try #require(partner.string("AssumeRolePolicyDocument").flatMap(IAMPolicyDocument.parse)), account: "123456789012")
        #expect(partnerTrust.kinds == ["cross-account"])
        #expect(partnerTrust.risks == ["every principal of account 999999999999 may assume it (arn:aws:iam::999999999999:root)"])
        let own = try Self.document(
            #"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#)
        #expect(IAMTrustAnalysis.analyse(own, account: "123456789012").risks.isEmpty)
        let anyone = try Self.document(#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#)
        #expect(IAMTrustAnalysis.analyse(anyone, account: "123456789012").kinds == ["public"])
        #expect(IAMTrustAnalysis.analyse(anyone, account: "123456789012").risks.count == 1)
        let pinned = try Self.document(
            #"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/idp.example"},"#
                + #""Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"idp.example:sub":"repo:a/b:*"}}}]}"#)
        #expect(IAMTrustAnalysis.analyse(pinned, account: "1").risks.isEmpty)
    }

    @Test func globMatchesLikeIAM() {
        #expect(IAMPrivilegeRule.glob("iam:put*", matches: "iam:putuserpolicy"))
        #expect(IAMPrivilegeRule.glob("iam:*policy", matches: "iam:attachrolepolicy"))
        #expect(!IAMPrivilegeRule.glob("iam:get*", matches: "iam:putuserpolicy"))
        #expect(IAMPrivilegeRule.glob("iam:passrol?", matches: "iam:passrole"))
    }
}
