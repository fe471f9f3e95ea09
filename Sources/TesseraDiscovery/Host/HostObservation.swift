import Foundation
import TesseraCore

/// Builds one host account's observation from what was read about it.
struct HostObservation {
    let scope: String
    let serviceAccounts: Set<String>

    static let usageUnknown =
        "the host's files do not say when the account or its keys were last used (see sshd's log and lastlog)"

    func make(
        account: HostAccountFiles.Account, loginShell: Bool, shadow: HostAccountFiles.Shadow??, shadowPath: String,
        keys: [HostKeyReader.Found], keyUnknowns: [String], jobs: [String], groups: [String]
    ) -> DiscoveryObservation {
        let listed = serviceAccounts.contains(account.name)
        var attributes: [String: String] = [
            "uid": String(account.uid), "gid": String(account.gid), "home": account.home, "shell": account.shell,
            "login_shell": String(loginShell), "uid_range": account.uid < 1000 ? "system" : "human",
            "non_human": String(account.uid < 1000 || listed), "authorized_keys": String(keys.count),
        ]
        if listed { attributes["listed_service_account"] = "true" }
        if !account.gecos.isEmpty { attributes["gecos"] = account.gecos }
        if !groups.isEmpty { attributes["groups"] = groups.joined(separator: ",") }
        let withoutFrom = keys.filter { $0.entry.option("from") == nil }.count
        if !keys.isEmpty { attributes["keys_without_from"] = String(withoutFrom) }
        var unknowns = [Self.usageUnknown] + keyUnknowns
        var credentials: [DiscoveredCredential] = []
        switch shadow {
        case .none:
            attributes["password"] = "unknown"
            unknowns.append("password state unknown: \(shadowPath) is not readable (run as root to read it)")
        case .some(.none):
            attributes["password"] = "none"  // no shadow line
        case .some(.some(let state)):
            attributes["password"] = state.password
            if let changed = state.lastChanged { attributes["password_changed"] = ISO8601.format(changed) }
            if let expires = state.accountExpires { attributes["account_expires"] = ISO8601.format(expires) }
            let passwordExpires = state.maximumDays.flatMap { days in
                state.lastChanged.map { $0.addingTimeInterval(TimeInterval(days) * 86_400) }
            }
            credentials.append(
                DiscoveredCredential(
                    kind: "password", reference: "password", status: state.password == "locked" ? "locked" : "active",
                    createdAt: state.lastChanged, expiresAt: passwordExpires ?? state.accountExpires, expiryKnown: true,
                    details: ["state": state.password]))
        }
        for found in keys {
            let entry = found.entry
            var details = ["type": entry.key.type, "file": found.file, "line": String(found.line)]
            if let bits = entry.key.bits { details["bits"] = String(bits) }
            if !entry.comment.isEmpty { details["comment"] = entry.comment }
            if !entry.options.isEmpty {
                details["options"] = entry.options.map { option in
                    option.value.map { "\(option.name)=\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" } ?? option.name
                }.joined(separator: ",")
            }
            for name in ["from", "command"] { if let value = entry.option(name) { details[name] = value } }
            credentials.append(
                DiscoveredCredential(
                    kind: "ssh-key", reference: entry.key.fingerprint, status: "active", expiresAt: entry.expiresAt,
                    expiryKnown: true, details: details))
        }
        var privileged: [String] = []
        if account.uid == 0 && !keys.isEmpty { privileged.append("uid 0 with \(keys.count) SSH authorized key(s)") }
        if account.uid == 0 && account.name != "root" { privileged.append("uid 0 under another name (\(account.name))") }
        for group in groups where HostConnector.privilegedGroups.contains(group) && account.uid != 0 {
            privileged.append("member of group \(group)")
        }
        return DiscoveryObservation(
            externalID: "\(scope)/\(account.name)", name: account.name, kind: "host-account", credentials: credentials,
            grants: jobs + groups.map { "member of group \($0)" }, privileged: privileged, usageKnown: false,
            attributes: attributes, unknowns: unknowns)
    }
}
