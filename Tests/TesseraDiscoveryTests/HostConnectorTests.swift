import Foundation
import TesseraCore
import Testing

@testable import TesseraDiscovery

/// The host connector on a prepared tree (Vectors/host: keys made with ssh-keygen, fingerprints recorded from
/// `ssh-keygen -lf` in ssh-keygen-l.txt), on hostile files, and on this machine's real `/`.
@Suite struct HostConnectorTests {
    static let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/host").path
    let clock = FixedTime(Date(timeIntervalSince1970: 1_800_000_000))

    struct FixedTime: TimeSource {
        let date: Date
        init(_ date: Date) { self.date = date }
        func now() -> Date { date }
    }

    /// `ssh-keygen -lf` output: name → (bits, fingerprint).
    static func recorded() throws -> [String: (bits: Int, fingerprint: String)] {
        let text = try String(contentsOfFile: tree + "/ssh-keygen-l.txt", encoding: .utf8)
        var result: [String: (Int, String)] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            result[String(fields[0])] = (Int(fields[1])!, String(fields[2]))
        }
        return result
    }

    func snapshot(_ root: String = tree, serviceAccounts: Set<String> = ["svc-ci"]) async throws -> DiscoverySnapshot {
        try await HostConnector(root: HostRoot(root), hostName: "build-01", serviceAccounts: serviceAccounts).discover(
            clock: clock)
    }

    @Test func findsEveryAccountThatCanLogInHasKeysOrRunsJobs() async throws {
        let snapshot = try await snapshot()
        #expect(snapshot.scope == "host://build-01")
        #expect(!snapshot.complete)  // a malformed passwd line may hide an account: nothing may be marked gone
        #expect(snapshot.observations.map(\.name) == ["root", "www-data", "backup", "deploy", "alice", "svc-ci"])
        #expect(snapshot.observations.allSatisfy { $0.kind == "host-account" && $0.externalID == "host://build-01/\($0.name)" })
        let problems = snapshot.problems.joined(separator: "\n")
        #expect(problems.contains("1 malformed lines in \(Self.tree)/etc/passwd were skipped"))
        #expect(
            problems.contains(
                "\(Self.tree)/home/deploy/.ssh/authorized_keys line 5 was not read: the key is not a well-formed base64 SSH public key"
            ))
        #expect(problems.contains("line 6 was not read: the line says ssh-ed25519 but the key is ssh-rsa"))
    }

    @Test func accountsCarryUIDRangeShellAndPasswordStateButNoHash() async throws {
        let byName = Dictionary(uniqueKeysWithValues: try await snapshot().observations.map { ($0.name, $0) })
        let root = try #require(byName["root"])
        #expect(
            root.attributes["uid"] == "0" && root.attributes["uid_range"] == "system" && root.attributes["non_human"] == "true")
        #expect(root.attributes["password"] == "set" && root.attributes["password_changed"] == "2023-12-09T00:00:00Z")
        let alice = try #require(byName["alice"])
        #expect(alice.attributes["uid_range"] == "human" && alice.attributes["non_human"] == "false")
        #expect(alice.attributes["account_expires"] == "2026-02-16T00:00:00Z")
        let password = try #require(alice.credentials.first { $0.kind == "password" })
        #expect(password.expiresAt == Date(timeIntervalSince1970: 20_090 * 86_400) && password.expiryKnown)
        #expect(byName["svc-ci"]?.attributes["uid_range"] == "human")
        #expect(byName["svc-ci"]?.attributes["non_human"] == "true")
        #expect(byName["svc-ci"]?.attributes["password"] == "empty")
        #expect(byName["deploy"]?.attributes["password"] == "locked")
        #expect(byName["deploy"]?.credentials.first { $0.kind == "password" }?.status == "locked")
        #expect(byName["www-data"]?.attributes["login_shell"] == "false")
        #expect(byName["backup"]?.attributes["shell"] == "/bin/sh")
        let encoded = String(decoding: try JSONEncoder().encode(try await snapshot()), as: UTF8.self)
        #expect(!encoded.contains("bm90LWEtcmVhbC1oYXNo") && !encoded.contains("$6$"))
    }

    @Test func keysHaveTheTypeSizeOptionsAndFingerprintSSHKeygenPrints() async throws {
        let recorded = try Self.recorded()
        let byName = Dictionary(uniqueKeysWithValues: try await snapshot().observations.map { ($0.name, $0) })
        func keys(_ name: String) -> [DiscoveredCredential] { byName[name]?.credentials.filter { $0.kind == "ssh-key" } ?? [] }
        let expected: [(String, [String])] = [
            ("root", ["root_ed"]), ("deploy", ["deploy_rsa", "deploy_ec", "deploy_ed2"]), ("alice", ["alice_rsa", "ec521"]),
            ("svc-ci", ["outside_ec"]), ("backup", []), ("www-data", []),
        ]
        for (account, names) in expected {
            let found = keys(account)
            #expect(found.map(\.reference) == names.map { recorded[$0]!.fingerprint }, "\(account)")
            #expect(found.map { $0.details["bits"] } == names.map { String(recorded[$0]!.bits) }, "\(account)")
        }
        let deploy = keys("deploy")
        #expect(deploy[0].details["type"] == "ssh-rsa" && deploy[0].details["comment"] == "deploy@ci")
        #expect(deploy[0].details["from"] == "10.0.0.0/8,192.168.1.5")
        #expect(deploy[0].details["command"] == "/usr/local/bin/deploy --from-ci")
        #expect(
            deploy[0].details["options"]
                == "from=\"10.0.0.0/8,192.168.1.5\",command=\"/usr/local/bin/deploy --from-ci\",no-pty,no-port-forwarding")
        #expect(deploy[0].expiryKnown && deploy[0].expiresAt == nil)
        #expect(
            deploy[1].details["type"] == "ecdsa-sha2-nistp384"
                && deploy[1].details["options"] == "restrict,expiry-time=\"20300101\"")
        #expect(deploy[1].expiresAt == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(
            deploy[2].details["command"] == "echo \"hi\"" && deploy[2].details["options"] == #"command="echo \"hi\"""#
                && deploy[2].details["file"]?.hasSuffix("authorized_keys2") == true)
        #expect(byName["deploy"]?.attributes["keys_without_from"] == "2")
        #expect(keys("alice")[1].details["comment"] == nil)
    }

    @Test func cronEntriesAndSystemdUnitsAreAttributedToTheirAccount() async throws {
        let byName = Dictionary(uniqueKeysWithValues: try await snapshot().observations.map { ($0.name, $0) })
        func runs(_ name: String) -> [String] { byName[name]?.grants.filter { $0.hasPrefix("runs: ") } ?? [] }
        #expect(
            runs("deploy") == [
                "runs: cron \"*/5 * * * * /usr/local/bin/sync-assets --quiet\"",
                "runs: cron \"@reboot /usr/local/bin/warm-cache\"",
                "runs: systemd unit assets.service",
            ])
        #expect(
            runs("root") == [
                "runs: cron \"17 * * * * cd / && run-parts --report /etc/cron.hourly\"",
                "runs: cron \"0 */12 * * * certbot -q renew\"",
            ])
        #expect(
            runs("backup") == [
                "runs: cron \"30 2 * * * /usr/local/bin/nightly-backup --target s3://backups\"",
                "runs: systemd unit verify.service",
            ])
        #expect(runs("www-data") == ["runs: systemd unit nginx.service"])
        #expect(runs("alice").isEmpty)  // /etc's assets.service overrides /usr/lib's; [Unit] User= is not a service user
        #expect(byName["deploy"]?.grants.contains("member of group docker") == true)
    }

    @Test func privilegedEvidenceIsRootWithKeysAndAdminGroups() async throws {
        let byName = Dictionary(uniqueKeysWithValues: try await snapshot().observations.map { ($0.name, $0) })
        #expect(byName["root"]?.privileged == ["uid 0 with 1 SSH authorized key(s)"])
        #expect(byName["alice"]?.privileged == ["member of group sudo"])
        #expect(byName["deploy"]?.privileged == ["member of group docker"])
        #expect(byName["svc-ci"]?.privileged == [])
        #expect(byName["backup"]?.privileged == [])
    }

    @Test func linksResolveInsideTheRootOnly() {
        let root = HostRoot(Self.tree)
        #expect(root.resolve("/home/svc-ci/.ssh/authorized_keys") == Self.tree + "/etc/ssh-outside-key")
        #expect(root.resolve("/../../../etc/passwd") == Self.tree + "/etc/passwd")
        #expect(root.read("/etc/systemd/system/masked.service") == .missing)  // → <tree>/dev/null, not the real one
    }

    @Test func hostileFilesAreBoundedAndReported() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-host-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        let manager = FileManager.default
        for directory in ["etc", "home/big/.ssh", "home/bin/.ssh", "home/loop/.ssh", "home/shut/.ssh"] {
            try manager.createDirectory(atPath: "\(work)/\(directory)", withIntermediateDirectories: true)
        }
        try """
        big:x:2000:2000::/home/big:/bin/bash
        bin:x:2001:2001::/home/bin:/bin/bash
        loop:x:2002:2002::/home/loop:/bin/bash
        shut:x:2003:2003::/home/shut:/bin/bash
        """.write(toFile: "\(work)/etc/passwd", atomically: true, encoding: .utf8)
        let key = try String(contentsOfFile: Self.tree + "/root/.ssh/authorized_keys", encoding: .utf8)
        let huge = String(repeating: "A", count: 1 << 20) + "\n" + key + String(repeating: "#\n", count: 2_200_000)
        try huge.write(toFile: "\(work)/home/big/.ssh/authorized_keys", atomically: true, encoding: .utf8)
        try Data([0x73, 0x73, 0x68, 0, 1, 2]).write(to: URL(fileURLWithPath: "\(work)/home/bin/.ssh/authorized_keys"))
        try manager.createSymbolicLink(atPath: "\(work)/home/loop/.ssh/authorized_keys", withDestinationPath: "authorized_keys")
        try key.write(toFile: "\(work)/home/shut/.ssh/authorized_keys", atomically: true, encoding: .utf8)
        chmod("\(work)/home/shut/.ssh/authorized_keys", 0)
        let snapshot = try await self.snapshot(work)
        let byName = Dictionary(uniqueKeysWithValues: snapshot.observations.map { ($0.name, $0) })
        #expect(byName["big"]?.credentials.filter { $0.kind == "ssh-key" }.count == 1)
        let problems = snapshot.problems.joined(separator: "\n")
        #expect(problems.contains("\(work)/home/big/.ssh/authorized_keys is larger than \(HostRoot.maximumFileSize) bytes"))
        #expect(problems.contains("\(work)/home/big/.ssh/authorized_keys: 1 lines longer than"))
        #expect(problems.contains("cannot read \(work)/home/bin/.ssh/authorized_keys: binary file"))
        #expect(problems.contains("cannot read \(work)/home/loop/.ssh/authorized_keys: too many symbolic links"))
        #expect(byName["loop"]?.unknowns.contains { $0.hasPrefix("SSH keys unknown") } == true)
        #expect(byName["big"]?.attributes["password"] == "unknown")  // no shadow: an unknown, not an error
        #expect(byName["big"]?.unknowns.contains { $0.hasPrefix("password state unknown") } == true)
        if getuid() != 0 { #expect(problems.contains("cannot read \(work)/home/shut/.ssh/authorized_keys: permission denied")) }
        await #expect(throws: DiscoveryError.self) { try await self.snapshot(work + "/home") }
    }

    @Test func readsThisMachinesRealRoot() async throws {
        let connector = HostConnector(root: HostRoot("/"), hostName: HostConnector.hostName(of: HostRoot("/")) ?? "localhost")
        let snapshot = try await connector.discover(clock: clock)
        let root = try #require(snapshot.observations.first { $0.name == "root" })
        #expect(root.attributes["uid"] == "0")
        #expect(root.externalID == "\(connector.scope)/root")
    }
}
