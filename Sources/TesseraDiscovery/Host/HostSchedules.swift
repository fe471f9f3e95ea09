/// What runs as each account: cron entries (per-user crontabs, `/etc/crontab`, `/etc/cron.d/*` with their user
/// column) and systemd services (`User=` in the `[Service]` section). Each entry is a sentence such as
/// `runs: cron "0 3 * * * /usr/local/bin/backup"` or `runs: systemd unit backup.service`, bounded in length.
public enum HostSchedules {
    static let maximumEntryLength = 200

    /// Entries of a per-user crontab (no user column).
    public static func userCrontab(_ text: String) -> [String] {
        HostRoot.lines(text).lines.compactMap { line in entry(line, userColumn: false).map { $0.entry } }
    }

    /// Entries of a system crontab, keyed by the user they run as.
    public static func systemCrontab(_ text: String) -> [(user: String, entry: String)] {
        HostRoot.lines(text).lines.compactMap { line in
            entry(line, userColumn: true).flatMap { found in found.user.map { ($0, found.entry) } }
        }
    }

    /// One crontab line: `min hour dom mon dow [user] command` or `@daily [user] command`; comments, blank lines and
    /// environment settings give nothing.
    static func entry(_ line: Substring, userColumn: Bool) -> (user: String?, entry: String)? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
        let fields = trimmed.split(maxSplits: 7, whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = fields.first else { return nil }
        if first.contains("=") && !first.hasPrefix("@") { return nil }  // NAME=value: an environment setting
        let scheduleFields = first.hasPrefix("@") ? 1 : 5
        let needed = scheduleFields + (userColumn ? 2 : 1)
        guard fields.count >= needed else { return nil }
        let schedule = fields[0..<scheduleFields].joined(separator: " ")
        let user = userColumn ? String(fields[scheduleFields]) : nil
        let commandStart = fields[scheduleFields + (userColumn ? 1 : 0)].startIndex
        let command = trimmed[commandStart...]
        let text = "\(schedule) \(command)"
        let bounded = text.count > maximumEntryLength ? String(text.prefix(maximumEntryLength)) + "…" : text
        return (user, "runs: cron \"\(bounded)\"")
    }

    /// The account a service unit runs as (`User=`, the last one in `[Service]`), `nil` when it runs as root or with
    /// `DynamicUser=yes` (no account).
    public static func serviceUser(_ text: String) -> String? {
        var section = ""
        var user: String?
        var dynamic = false
        for line in HostRoot.lines(text).lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                section = trimmed
                continue
            }
            guard section == "[Service]", let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if key == "User" { user = value.isEmpty ? nil : String(value.prefix(256)) }
            if key == "DynamicUser" { dynamic = ["yes", "true", "1", "on"].contains(value.lowercased()) }
        }
        return dynamic ? nil : user
    }
}
