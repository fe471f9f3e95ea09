import Foundation

/// Scans every line ever added in a git repository's history (`git log -p --all`), so secrets that were
/// committed and later deleted are still found. Each finding names the commit that added the line.
public struct GitHistoryScanner: Sendable {
    public let text: TextScanner
    /// The `git` executable.
    public let git: String

    public init(text: TextScanner = TextScanner(), git: String = "/usr/bin/git") {
        self.text = text
        self.git = git
    }

    /// Findings in the history of the repository at `root`, one per (secret, path), attributed to the
    /// oldest commit that added it.
    public func scan(root: String) throws -> [SecretFinding] {
        let output = try run(
            Self.hardening + [
                "-C", root, "log", "-p", "--all", "--unified=0", "--no-color", "--no-ext-diff", "--no-textconv",
                "--no-show-signature", "--no-renames", "--format=%x00commit %H",
            ])
        var byKey: [String: SecretFinding] = [:]
        for finding in parse(output) {
            // git log lists newest first: a later entry for the same key is an older commit.
            byKey[finding.fingerprint + "\u{0}" + finding.path] = finding
        }
        return byKey.values.sorted { ($0.path, $0.line, $0.commit ?? "") < ($1.path, $1.line, $1.commit ?? "") }
    }

    /// Parses `git log -p --unified=0` output into findings on added lines.
    func parse(_ patch: String) -> [SecretFinding] {
        var findings: [SecretFinding] = []
        var commit: String?
        var path: String?
        var lines: [Substring] = []
        var lineMap: [Int] = []
        var nextLine = 0
        func flush() {
            if let path, !lines.isEmpty {
                findings += text.scan(lines.joined(separator: "\n"), path: path, commit: commit, lineMap: lineMap)
            }
            lines.removeAll(keepingCapacity: true)
            lineMap.removeAll(keepingCapacity: true)
        }
        for line in patch.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\u{0}commit ") {
                flush()
                commit = String(line.dropFirst(8))
                path = nil
            } else if line.hasPrefix("+++ ") {
                flush()
                let name = line.dropFirst(4)
                path = name == "/dev/null" ? nil : String(name.hasPrefix("b/") ? name.dropFirst(2) : name)
            } else if line.hasPrefix("@@ ") {
                nextLine = Self.newStart(line) ?? 1
            } else if line.hasPrefix("+"), path != nil {
                lines.append(line.dropFirst())
                lineMap.append(nextLine)
                nextLine += 1
            }
        }
        flush()
        return findings
    }

    /// The `+c` of a hunk header `@@ -a,b +c,d @@`.
    static func newStart(_ header: Substring) -> Int? {
        guard let plus = header.split(separator: " ").first(where: { $0.hasPrefix("+") }) else { return nil }
        return Int(plus.dropFirst().split(separator: ",").first ?? "")
    }

    /// Options that keep a scanned repository from running anything (docs/threat-model.md): its `.git/config` is
    /// attacker-controlled, so every command it can name (fsmonitor, external diff, textconv drivers, hooks,
    /// signature verification, pagers, transports) is overridden on the command line, which wins over it.
    static let hardening: [String] = [
        "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
        "-c", "core.pager=cat", "-c", "pager.log=false", "-c", "log.showSignature=false", "-c", "gpg.program=/bin/false",
        "-c", "gpg.ssh.program=/bin/false", "-c", "gpg.x509.program=/bin/false", "-c", "protocol.allow=never",
        "-c", "core.sshCommand=/bin/false", "-c", "core.gitProxy=", "-c", "core.askPass=/bin/false",
        "-c", "credential.helper=", "-c", "core.untrackedCache=false", "--no-pager", "--no-replace-objects",
    ]

    /// The environment of every git call: no system or global configuration, no inherited `GIT_*` variables
    /// (which could point git at another repository or config), no prompts, no optional index writes.
    static func environment(_ inherited: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = inherited.filter { !$0.key.hasPrefix("GIT_") }
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_ATTR_NOSYSTEM"] = "1"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        environment["GIT_PAGER"] = "cat"
        environment["PAGER"] = "cat"
        return environment
    }

    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: git)
        process.arguments = arguments
        process.environment = Self.environment()
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PostureError(.git, "cannot run \(git)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PostureError(.git, "git log failed (status \(process.terminationStatus)); is this a git repository?")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether `root` is inside a git work tree.
    public static func isRepository(_ root: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(
            atPath: (root as NSString).appendingPathComponent(".git"), isDirectory: &isDirectory)
    }
}
