import Foundation

/// The account databases of a host: `/etc/passwd`, `/etc/shadow` (only whether a password is set, locked or empty,
/// and the dates: the hash itself is dropped as soon as the line is split) and `/etc/group`.
public enum HostAccountFiles {
    public struct Account: Sendable, Equatable {
        public let name: String
        public let uid: Int
        public let gid: Int
        public let gecos: String
        public let home: String
        public let shell: String
    }

    /// What the shadow file says of one account. The hash is never kept.
    public struct Shadow: Sendable, Equatable {
        /// `set`, `locked` (`!` or `*` prefix) or `empty` (no password needed).
        public let password: String
        public let lastChanged: Date?
        /// Days a password stays valid after a change (`nil`: no maximum).
        public let maximumDays: Int?
        public let accountExpires: Date?
    }

    /// Shells that refuse an interactive login.
    public static let noLoginShells: Set<String> = [
        "/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync", "/usr/bin/nologin", "/bin/nologin",
    ]

    /// Parses `passwd`; malformed lines are counted, not guessed at.
    public static func passwd(_ text: String) -> (accounts: [Account], malformed: Int) {
        var accounts: [Account] = []
        var malformed = 0
        for line in HostRoot.lines(text).lines where !line.isEmpty && !line.hasPrefix("#") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 7, !fields[0].isEmpty, let uid = Int(fields[2]), let gid = Int(fields[3]) else {
                malformed += 1
                continue
            }
            accounts.append(
                Account(
                    name: String(fields[0].prefix(256)), uid: uid, gid: gid, gecos: String(fields[4].prefix(256)),
                    home: String(fields[5].prefix(4096)), shell: String(fields[6].prefix(4096))))
        }
        return (accounts, malformed)
    }

    /// Parses `shadow` into name → state; the hash field is reduced to set/locked/empty here.
    public static func shadow(_ text: String) -> [String: Shadow] {
        var result: [String: Shadow] = [:]
        for line in HostRoot.lines(text).lines where !line.isEmpty {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 8 else { continue }
            let hash = fields[1]
            let state = hash.isEmpty ? "empty" : (hash.hasPrefix("!") || hash.hasPrefix("*")) ? "locked" : "set"
            func day(_ field: Substring) -> Date? {
                Int(field).flatMap { $0 > 0 ? Date(timeIntervalSince1970: TimeInterval($0) * 86_400) : nil }
            }
            let maximum = Int(fields[4]).flatMap { $0 >= 0 && $0 < 99_999 ? $0 : nil }
            result[String(fields[0])] = Shadow(
                password: state, lastChanged: day(fields[2]), maximumDays: maximum, accountExpires: day(fields[7]))
        }
        return result
    }

    /// Parses `group` into group name → (gid, members).
    public static func groups(_ text: String) -> [(name: String, gid: Int, members: [String])] {
        HostRoot.lines(text).lines.compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 4, let gid = Int(fields[2]) else { return nil }
            return (String(fields[0]), gid, fields[3].split(separator: ",").map(String.init))
        }
    }
}
