import Foundation
import TesseraCore
import Testing

@testable import TesseraDiscovery

/// Migration plans are meant to be pasted into a shell: every value from a source (names, policies, uids, claims)
/// must reach the commands as data, never as shell syntax or terminal control.
@Suite struct MigrationPlanTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let issuer = MigrationPlan.Issuer(
        accessTokenIssuer: "https://tessera.example.com", jwtSVIDIssuer: nil, trustDomain: "example.org")
    static let hostile = "x'$(touch PWNED)`touch PWNED2`\n touch PWNED3 #\u{1B}[2J\u{07}"

    func identity(
        kind: String, name: String, externalID: String, grants: [String] = [], attributes: [String: String] = [:],
        credentials: [DiscoveredCredential] = []
    ) -> DiscoveredIdentity {
        DiscoveredIdentity.discovered(
            DiscoveryObservation(
                externalID: externalID, name: name, kind: kind, credentials: credentials, grants: grants,
                attributes: attributes),
            source: .aws, scope: "s", at: now
        ).claimed(
            DiscoveryClaim(
                owner: Self.hostile, purpose: Self.hostile, environment: Self.hostile, claimedAt: now, claimedBy: "admin"))
    }

    var hostilePlans: [MigrationPlan] {
        let h = Self.hostile
        return [
            identity(
                kind: "database-role", name: h, externalID: "postgres://db:5432/app#\(h)",
                grants: ["member of \(h)", "CONNECT on database \(h)", "\(h) on schema public"]),
            identity(
                kind: "iam-user", name: h, externalID: "arn:aws:iam::\(h):user/x",
                credentials: [DiscoveredCredential(kind: "access-key", reference: h, details: ["last_used_service": h])]),
            identity(
                kind: "approle", name: h, externalID: "openbao://v/auth/approle/role/x",
                attributes: ["token_policies": "default,\(h)"]),
            identity(kind: "token", name: h, externalID: "openbao://v/token/x", attributes: ["policies": h]),
            identity(kind: "host-account", name: h, externalID: "host://h/x", attributes: ["uid": "0 $(touch PWNED)"]),
            identity(kind: "kv-secret", name: h, externalID: "openbao://v/secret/metadata/\(h)"),
        ].map { MigrationPlan.make(for: $0, issuer: issuer) }
    }

    @Test func nothingFromTheSourceIsAControlCharacterInThePlan() throws {
        for plan in hostilePlans {
            let texts = [plan.summary, plan.retire] + plan.steps.flatMap { [$0.title, $0.text] }
            for text in texts {
                #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(text)")
            }
        }
    }

    /// Every step and the retire text run in bash with the tools stubbed out: no file is created by the hostile text,
    /// and the stubs receive the hostile strings intact as single arguments.
    @Test func pastingEveryStepIntoAShellRunsNothingFromTheSource() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stubs = "for t in bao aws tessera; do eval \"$t() { printf '%s\\\\0' \\\"\\$@\\\" >> args.bin; }\"; done\n"
        for plan in hostilePlans {
            let script = stubs + (plan.steps.map(\.text) + [plan.retire]).joined(separator: "\n") + "\n"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", script]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            for name in ["PWNED", "PWNED2", "PWNED3"] {
                #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(plan.summary)")
            }
        }
        let arguments = String(decoding: try Data(contentsOf: folder.appendingPathComponent("args.bin")), as: UTF8.self)
            .split(separator: "\0").map(String.init)
        #expect(arguments.contains { $0.contains("$(touch PWNED)") }, "the hostile text arrived as data")
    }

    @Test func theGeneratedGrantsKeepOnlyKnownPrivilegesAndQuoteNames() throws {
        let plan = hostilePlans[0]
        let template = try #require(plan.steps.first { $0.text.contains("postgres-roles.json") })
        #expect(template.text.contains("GRANT CONNECT ON DATABASE"))
        #expect(!template.text.contains("ON SCHEMA public"), "an unknown privilege word is left out")
        let uid = try #require(hostilePlans[4].steps.last)
        #expect(uid.text.contains("unix:uid:<UID>"))
    }
}
