import Foundation
import TesseraCore

/// Discovers a Linux host's accounts from its files: `/etc/passwd` accounts with a login shell, a password, SSH
/// `authorized_keys` or jobs (cron, systemd `User=`), each key's type, size, options and SHA-256 fingerprint, and
/// what runs as each account. `/etc/shadow` is read when permitted, for whether a password is set, locked or empty and
/// when it changed: never the hash.
///
/// Non-human rule: an account is non-human when its uid is below 1000 (the system range of Debian, Ubuntu, Fedora
/// and RHEL) or it is listed in `serviceAccounts`; others are reported too, with `uid_range: human`. External ids are
/// `host://<name>/<user>`; the scope is `host://<name>`. Every file is read through ``HostRoot`` (bounded, no link
/// followed out of the tree); an unreadable file is a problem or an unknown naming its path, never a crash.
public struct HostConnector: DiscoveryConnector {
    public let source = DiscoverySource.host
    public let root: HostRoot
    public let hostName: String
    public let serviceAccounts: Set<String>

    /// Directories whose `*.service` units are read, in precedence order (a unit in /etc overrides the others).
    static let unitDirectories = ["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"]
    /// Groups whose members may become root (sudo, wheel, admin) or act on the host as root (docker).
    static let privilegedGroups = ["sudo", "wheel", "admin", "root", "docker"]

    public init(root: HostRoot, hostName: String, serviceAccounts: Set<String> = []) {
        self.root = root
        self.hostName = hostName
        self.serviceAccounts = serviceAccounts
    }

    public var scope: String { "host://\(hostName)" }

    /// The host's name from `<root>/etc/hostname`, or this machine's when the root is `/`.
    public static func hostName(of root: HostRoot) -> String? {
        if case .text(let text, _) = root.read("/etc/hostname"),
            let name = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces), !name.isEmpty
        {
            return String(name.prefix(253))
        }
        return root.base.isEmpty ? ProcessInfo.processInfo.hostName : nil
    }

    public func discover(clock: any TimeSource) async throws -> DiscoverySnapshot {
        let started = clock.now()
        var builder = SnapshotBuilder(source: source, scope: scope, startedAt: started)
        let passwd: String
        switch root.read("/etc/passwd") {
        case .text(let text, let truncated):
            passwd = text
            if truncated {
                builder.problem(
                    "host: \(root.display("/etc/passwd")) is larger than \(HostRoot.maximumFileSize) bytes: the rest was not read"
                )
            }
        case .missing:
            throw DiscoveryError(
                .invalidArgument, source: "host", "\(root.display("/etc/passwd")) does not exist: is --root a host's /?")
        case .unreadable(let reason):
            throw DiscoveryError(.forbidden, source: "host", "cannot read \(root.display("/etc/passwd")): \(reason)")
        }
        let (accounts, malformed) = HostAccountFiles.passwd(passwd)
        if malformed > 0 { builder.problem("host: \(malformed) malformed lines in \(root.display("/etc/passwd")) were skipped") }
        let shadow = readShadow(into: &builder)
        let runs = HostJobs(root: root, accounts: accounts).read(into: &builder)
        let groups = readGroups()
        for account in accounts {
            let keys = HostKeyReader(root: root).keys(of: account)
            let jobs = runs[account.name] ?? []
            let loginShell = !HostAccountFiles.noLoginShells.contains(account.shell)
            let state = shadow.map { $0[account.name] }
            let hasPassword = state??.password == "set" || state??.password == "empty"
            guard loginShell || hasPassword || !keys.entries.isEmpty || !jobs.isEmpty || !keys.problems.isEmpty else { continue }
            for problem in keys.problems { builder.problem(problem, affectsCompleteness: false) }
            builder.add(
                HostObservation(scope: scope, serviceAccounts: serviceAccounts).make(
                    account: account, loginShell: loginShell, shadow: state, shadowPath: root.display("/etc/shadow"),
                    keys: keys.entries, keyUnknowns: keys.unknowns, jobs: jobs,
                    groups: groups.filter { $0.gid == account.gid || $0.members.contains(account.name) }.map(\.name)))
        }
        return builder.snapshot(finishedAt: clock.now())
    }

    /// The shadow states, `nil` when the file cannot be read (each account then has an unknown, not an error).
    private func readShadow(into builder: inout SnapshotBuilder) -> [String: HostAccountFiles.Shadow]? {
        switch root.read("/etc/shadow") {
        case .text(let text, _): return HostAccountFiles.shadow(text)
        case .missing, .unreadable: return nil
        }
    }

    private func readGroups() -> [(name: String, gid: Int, members: [String])] {
        guard case .text(let text, _) = root.read("/etc/group") else { return [] }
        return HostAccountFiles.groups(text)
    }
}
