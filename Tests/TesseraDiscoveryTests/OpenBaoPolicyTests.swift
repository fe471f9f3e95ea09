import Foundation
import Testing

@testable import TesseraDiscovery

/// The strict HCL path-block reader and the privilege rule, on policies captured from a real OpenBao server
/// (Vectors/openbao/policy-*.hcl, written by scripts/e2e/discovery/seed-openbao) and on hand-written edge cases.
@Suite struct OpenBaoPolicyTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/openbao")

    static func policy(_ name: String) throws -> String {
        try String(contentsOf: vectors.appendingPathComponent("policy-\(name).hcl"), encoding: .utf8)
    }

    @Test func readsEveryPathOfOpenBaosDefaultPolicy() throws {
        let rules = try HCLPolicyReader.rules(Self.policy("default"))
        #expect(rules.count == 16)
        #expect(rules.first == .init(path: "auth/token/lookup-self", capabilities: ["read"]))
        #expect(rules.contains(.init(path: "identity/entity/id/{{identity.entity.id}}", capabilities: ["read"])))
        #expect(rules.contains(.init(path: "cubbyhole/*", capabilities: ["create", "read", "update", "delete", "list"])))
        #expect(rules.last == .init(path: "identity/oidc/provider/+/authorize", capabilities: ["read", "update"]))
    }

    @Test func theSeededPoliciesAreClassifiedExactly() throws {
        var texts: [String: String] = [:]
        for name in ["admin-all", "app-read", "default", "sys-audit-reader", "tessera-discovery"] {
            texts[name] = try Self.policy(name)
        }
        let analysis = OpenBaoPolicyAnalysis(policies: texts)
        #expect(analysis.unreadable.isEmpty)
        #expect(
            analysis.privileged["admin-all"] == [
                "policy \"admin-all\": path \"*\" with [create, read, update, delete, list, sudo]"
            ])
        #expect(analysis.privileged["root"] != nil)
        #expect(Set(analysis.privileged.keys) == ["admin-all", "root"])
        #expect(analysis.narrowSudo["sys-audit-reader"] == ["policy \"sys-audit-reader\": sudo on \"sys/audit\""])
        #expect(
            analysis.narrowSudo["tessera-discovery"]
                == [
                    "policy \"tessera-discovery\": sudo on \"sys/audit\"",
                    "policy \"tessera-discovery\": sudo on \"auth/token/accessors\"",
                ])
        #expect(analysis.evidence(for: ["default", "app-read"]).isEmpty)
    }

    @Test func broadPathsAreThoseCoveringEveryMount() {
        for path in ["*", "+/*", "+/+/*", "/*"] { #expect(OpenBaoPolicyAnalysis.isBroad(path), "\(path)") }
        for path in ["secret/*", "secret/data/app/*", "+", "+/metadata/*", "sys/audit", "", "*/x"] {
            #expect(!OpenBaoPolicyAnalysis.isBroad(path), "\(path)")
        }
    }

    @Test func sudoOverASubtreeIsPrivilegedAndADenyRuleIsNot() {
        let analysis = OpenBaoPolicyAnalysis(policies: [
            "sys-admin": #"path "sys/*" { capabilities = ["read", "sudo"] }"#,
            "denied": #"path "*" { capabilities = ["deny"] }"#,
            "legacy": #"path "+/*" { policy = "write" }"#,
        ])
        #expect(analysis.privileged["sys-admin"] == ["policy \"sys-admin\": path \"sys/*\" with [read, sudo]"])
        #expect(analysis.privileged["denied"] == nil)
        #expect(analysis.privileged["legacy"] == ["policy \"legacy\": path \"+/*\" with [create, read, update, delete, list]"])
    }

    @Test func readsPolicyFormsOpenBaoAccepts() throws {
        let hcl = """
            /* block comment
               over lines */
            path "secret/data/*" {
              capabilities = ["read",]   // trailing comma
              allowed_parameters = {
                "ttl" = []
                "*" = ["a", "b"]
              }
              min_wrapping_ttl = "1s"
              max_wrapping_ttl = 90
            }
            path "a\\"b" { capabilities = [] }
            """
        #expect(
            try HCLPolicyReader.rules(hcl) == [
                .init(path: "secret/data/*", capabilities: ["read"]), .init(path: "a\"b", capabilities: []),
            ])
        let json = #"{"path": {"*": {"capabilities": ["read", "sudo"]}, "x/y": {"capabilities": ["list"]}}}"#
        #expect(
            try HCLPolicyReader.rules(json) == [
                .init(path: "*", capabilities: ["read", "sudo"]), .init(path: "x/y", capabilities: ["list"]),
            ])
    }

    @Test func refusesMalformedPoliciesWithTheirLine() {
        let cases: [(String, Int)] = [
            ("path \"a\" {\n  capabilities = [\"read\"\n}", 3),
            ("path \"a\" {\n capabilities = [\"read\"]\n", 3),
            ("path \"a {\n}", 1),
            ("path \"a\" {\n capabilities = <<EOF\nx\nEOF\n}", 2),
            ("path \"a\" { capabilities = \"read\" }", 1),
            ("path \"a\" { capabilities = [1] }", 1),
            ("path \"a\" = 3", 1),
            ("path \"a\" { @ }", 1),
            ("{\"path\": {}} extra", 1),
            (String(repeating: "a { ", count: 40), 1),
        ]
        for (text, line) in cases {
            #expect(throws: HCLPolicyReader.SyntaxError.self, "\(text)") { try HCLPolicyReader.rules(text) }
            do {
                _ = try HCLPolicyReader.rules(text)
            } catch {
                #expect(error.line == line, "\(text): \(error)")
            }
        }
        #expect(throws: HCLPolicyReader.SyntaxError.self) {
            try HCLPolicyReader.rules(String(repeating: " ", count: (1 << 20) + 1))
        }
    }

    @Test func anUnreadablePolicyIsReportedNotGuessed() {
        let analysis = OpenBaoPolicyAnalysis(policies: ["broken": "path \"*\" { capabilities = [\"sudo\" }"])
        #expect(analysis.privileged["broken"] == nil)
        #expect(analysis.unreadable["broken"]?.hasPrefix("line 1:") == true)
    }
}
