import Foundation

/// Finds what runs as each account: per-user crontabs (`/var/spool/cron/crontabs/<user>`, `/var/spool/cron/<user>`),
/// `/etc/crontab`, `/etc/cron.d/*` and systemd services with `User=`. Directories it cannot list are problems that
/// do not hide identities (the accounts come from passwd), so they leave the run complete.
struct HostJobs {
    let root: HostRoot
    let accounts: [HostAccountFiles.Account]

    func read(into builder: inout SnapshotBuilder) -> [String: [String]] {
        var runs: [String: [String]] = [:]
        let names = Set(accounts.map(\.name))
        for directory in ["/var/spool/cron/crontabs", "/var/spool/cron"] {
            for user in list(directory, what: "per-user crontabs", into: &builder) where names.contains(user) {
                if case .text(let text, _) = read("\(directory)/\(user)", into: &builder) {
                    runs[user, default: []] += HostSchedules.userCrontab(text)
                }
            }
        }
        var systemFiles = ["/etc/crontab"]
        systemFiles += list("/etc/cron.d", what: "cron.d entries", into: &builder)
            .filter { !$0.contains(".") && !$0.hasSuffix("~") }.map { "/etc/cron.d/\($0)" }
        for path in systemFiles {
            if case .text(let text, _) = read(path, into: &builder) {
                for (user, entry) in HostSchedules.systemCrontab(text) { runs[user, default: []].append(entry) }
            }
        }
        var seen = Set<String>()
        let byUID = Dictionary(accounts.map { (String($0.uid), $0.name) }, uniquingKeysWith: { first, _ in first })
        for directory in HostConnector.unitDirectories {
            for unit in list(directory, what: "systemd units", into: &builder) where unit.hasSuffix(".service") {
                guard seen.insert(unit).inserted else { continue }  // /etc overrides /usr/lib and /lib
                guard case .text(let text, _) = read("\(directory)/\(unit)", into: &builder),
                    let user = HostSchedules.serviceUser(text)
                else { continue }
                runs[byUID[user] ?? user, default: []].append("runs: systemd unit \(unit)")
            }
        }
        return runs
    }

    /// The names in a directory; a directory that exists but cannot be listed is a problem.
    private func list(_ directory: String, what: String, into builder: inout SnapshotBuilder) -> [String] {
        if let names = root.list(directory) { return names }
        if let real = root.resolve(directory), FileManager.default.fileExists(atPath: real) {
            builder.problem(
                "host: cannot list \(root.display(directory)): \(what) there were not read", affectsCompleteness: false)
        }
        return []
    }

    /// A file's text; an unreadable regular file is a problem (a masked unit, a link to /dev/null, is skipped quietly).
    private func read(_ path: String, into builder: inout SnapshotBuilder) -> HostRoot.Read {
        let result = root.read(path)
        switch result {
        case .unreadable(let reason) where reason != "not a regular file":
            builder.problem("host: cannot read \(root.display(path)): \(reason)", affectsCompleteness: false)
        case .text(_, true):
            builder.problem(
                "host: \(root.display(path)) is larger than \(HostRoot.maximumFileSize) bytes: the rest was not read",
                affectsCompleteness: false)
        default: break
        }
        return result
    }
}
