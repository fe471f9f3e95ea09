/// Reads an account's `~/.ssh/authorized_keys` and `authorized_keys2` through a ``HostRoot``: every well-formed key
/// with the file and line it came from; a bad line, an oversized or unreadable file becomes a problem naming the path.
struct HostKeyReader {
    let root: HostRoot
    static let files = ["authorized_keys", "authorized_keys2"]
    static let maximumKeysPerFile = 1_000

    struct Found {
        let entry: AuthorizedKeysEntry
        let file: String
        let line: Int
    }

    struct Keys {
        var entries: [Found] = []
        var problems: [String] = []
        var unknowns: [String] = []
    }

    func keys(of account: HostAccountFiles.Account) -> Keys {
        var keys = Keys()
        guard account.home.hasPrefix("/"), account.home != "/nonexistent" else { return keys }
        let home = account.home.hasSuffix("/") ? String(account.home.dropLast()) : account.home
        for file in Self.files {
            let path = "\(home)/.ssh/\(file)"
            let shown = root.display(path)
            switch root.read(path) {
            case .missing:
                continue
            case .unreadable(let reason):
                keys.unknowns.append("SSH keys unknown: cannot read \(shown): \(reason)")
                keys.problems.append("host: cannot read \(shown): \(reason) (keys of \(account.name) unknown)")
            case .text(let text, let truncated):
                if truncated {
                    keys.problems.append("host: \(shown) is larger than \(HostRoot.maximumFileSize) bytes: the rest was not read")
                }
                let (lines, overlong) = HostRoot.lines(text)
                if overlong > 0 {
                    keys.problems.append(
                        "host: \(shown): \(overlong) lines longer than \(HostRoot.maximumLineLength) bytes were skipped")
                }
                var count = 0
                for (index, line) in lines.enumerated() {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                    guard count < Self.maximumKeysPerFile else {
                        keys.problems.append(
                            "host: \(shown) has more than \(Self.maximumKeysPerFile) keys: the rest were not read")
                        break
                    }
                    switch AuthorizedKeysEntry.parse(line) {
                    case .success(let entry):
                        keys.entries.append(Found(entry: entry, file: shown, line: index + 1))
                        count += 1
                    case .failure(let failure):
                        keys.problems.append("host: \(shown) line \(index + 1) was not read: \(failure)")
                    }
                }
            }
        }
        return keys
    }
}
