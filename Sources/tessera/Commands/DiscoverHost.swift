import ArgumentParser
import Foundation
import TesseraDiscovery

struct DiscoverHost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Discover a Linux host's accounts, their SSH authorized keys and what runs as them.",
        discussion: """
            Reads <root>/etc/passwd and reports every account with a login shell, a password, SSH authorized keys or \
            jobs: each key in ~/.ssh/authorized_keys and authorized_keys2 (type, size, comment, options such as from= \
            and command=, and the SHA256 fingerprint as ssh-keygen -l prints it), and the cron entries (per-user \
            crontabs, /etc/crontab, /etc/cron.d) and systemd services (User=) that run as the account. /etc/shadow is \
            read when permitted (run as root) for whether a password is set, locked or empty and when it changed; the \
            hash is never kept. Otherwise the password state is reported as unknown for each account.

            Non-human accounts: uid below 1000, or listed with --service-accounts; accounts with uid 1000 and above are \
            reported with uid_range: human. --root reads a mounted image or a copied tree: no symbolic link is \
            followed out of it, and every file read is bounded.

            Examples:
              sudo tessera discover host --token-file .tessera/admin-token
              tessera discover host --root /mnt/build-01 --name build-01 --service-accounts deploy,backup --print-only --json
            """)

    @Option(help: "The host's root directory (default /).")
    var root: String = "/"

    @Option(help: "The host's name in external ids (default: <root>/etc/hostname, or this machine's name).")
    var name: String?

    @Option(
        name: .customLong("service-accounts"),
        help: "Comma-separated account names that are non-human even with a uid of 1000 or more.")
    var serviceAccounts: String?

    @OptionGroup var output: DiscoverOutputOptions

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure(message: "--root \(root) is not a directory")
        }
        let hostRoot = HostRoot(root)
        // The name is the scope: identities of the scope missing from a complete run are marked gone. Read from the
        // host's own /etc/hostname, a host (or two named alike) could mark another's accounts gone: the operator names it.
        guard name != nil || output.printOnly else {
            throw CommandFailure(
                message:
                    "give the host's name with --name (its scope in the inventory: host://NAME); /etc/hostname is not trusted for it"
            )
        }
        guard let hostName = name ?? HostConnector.hostName(of: hostRoot) else {
            throw CommandFailure(message: "\(root)/etc/hostname is missing: give the host's name with --name")
        }
        guard !hostName.isEmpty, hostName.allSatisfy({ $0.isLetter || $0.isNumber || "-._".contains($0) }) else {
            throw CommandFailure(message: "--name must be a host name (letters, digits, '-', '.', '_')")
        }
        let listed = Set((serviceAccounts ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        try await output.run(HostConnector(root: hostRoot, hostName: hostName, serviceAccounts: listed.subtracting([""])))
    }
}
