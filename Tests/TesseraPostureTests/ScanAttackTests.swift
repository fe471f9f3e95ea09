import Foundation
import Testing

@testable import TesseraPosture

/// Scanning an untrusted repository must not run anything its git config names.
@Suite struct ScanAttackTests {
    @Test func aHostileRepositoryConfigRunsNothingDuringAHistoryScan() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-evil-\(UUID().uuidString)").path
        let markers = folder + "-markers"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: markers)
        }
        func git(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", folder, "-c", "user.email=t@corp.invalid", "-c", "user.name=t"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        try git("init", "-q")
        let key = "AKIA" + "Q7WZ3KX5V2N6B4M7"
        try "* diff=evil\n".write(toFile: folder + "/.gitattributes", atomically: true, encoding: .utf8)
        try "aws_access_key_id = \(key)\n".write(toFile: folder + "/app.cfg", atomically: true, encoding: .utf8)
        try git("add", ".")
        try git("commit", "-q", "-m", "add")
        // The attacker's repository config: every hook git might run for `log -p` touches a marker.
        let script = folder + "/evil.sh"
        try "#!/bin/sh\ntouch \(markers)/\"$(basename \"$0\")-$$\"\ncat \"$1\" 2>/dev/null\n".write(
            toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try git("config", "diff.evil.textconv", script)
        try git("config", "diff.evil.command", script)
        try git("config", "diff.external", script)
        try git("config", "core.fsmonitor", script)
        try git("config", "core.pager", script)
        try git("config", "log.showSignature", "true")
        try git("config", "gpg.program", script)
        try git("config", "core.hooksPath", markers)

        // The attack works against plain git: textconv runs.
        let plain = Process()
        plain.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        plain.arguments = ["-C", folder, "log", "-p", "--all"]
        plain.standardOutput = FileHandle.nullDevice
        plain.standardError = FileHandle.nullDevice
        try plain.run()
        plain.waitUntilExit()
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: markers)).isEmpty)
        for marker in try FileManager.default.contentsOfDirectory(atPath: markers) {
            try FileManager.default.removeItem(atPath: markers + "/" + marker)
        }

        // Tessera's scan finds the secret and runs nothing.
        let history = try GitHistoryScanner().scan(root: folder)
        #expect(history.contains { $0.path == "app.cfg" })
        _ = try SecretScanner().scan(root: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: markers) == [])
    }

    @Test func inheritedGitVariablesAreDropped() {
        let environment = GitHistoryScanner.environment([
            "GIT_DIR": "/elsewhere", "GIT_CONFIG_PARAMETERS": "'core.pager=x'", "PATH": "/bin",
        ])
        #expect(environment["GIT_DIR"] == nil && environment["GIT_CONFIG_PARAMETERS"] == nil)
        #expect(environment["GIT_CONFIG_NOSYSTEM"] == "1" && environment["GIT_CONFIG_GLOBAL"] == "/dev/null")
        #expect(environment["PATH"] == "/bin")
    }
}
