import Crypto
import Foundation
import TesseraCore
#if canImport(Glibc)
import Glibc
#endif

/// Turns kernel peer credentials into a `WorkloadProcess`: uid and gid from `SO_PEERCRED`, executable path
/// and SHA-256 from `/proc/PID/exe`. Guards against pid reuse: the process must have started before its
/// stream opened, and its start time must be the same before and after the executable is read.
struct WorkloadAttestor: Sendable {
    let hashes: ExecutableHashCache
    /// Root of the proc file system (tests may point elsewhere).
    var proc = "/proc"

    func attest(_ credentials: PeerCredentials, streamOpenedAt: Date) async throws(AgentError) -> WorkloadProcess {
        let pid = credentials.pid
        guard let before = startTime(pid) else {
            throw AgentError(.attestationFailed, "calling process \(pid) is gone")
        }
        if let started = startDate(ticks: before), started.timeIntervalSince(streamOpenedAt) > 1 {
            throw AgentError(.attestationFailed, "process \(pid) started after the call was made (pid reused)")
        }
        let path = executablePath(pid)
        var digest: String?
        if path != nil { digest = await hashes.sha256(of: "\(proc)/\(pid)/exe") }
        guard startTime(pid) == before else {
            throw AgentError(.attestationFailed, "calling process \(pid) exited during attestation")
        }
        return WorkloadProcess(
            pid: pid, uid: credentials.uid, gid: credentials.gid, executablePath: path, executableSHA256: digest)
    }

    /// `/proc/PID/exe`, without the ` (deleted)` suffix the kernel adds for replaced binaries.
    func executablePath(_ pid: Int32) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/\(pid)/exe") else { return nil }
        return target.hasSuffix(" (deleted)") ? String(target.dropLast(10)) : target
    }

    /// Field 22 of `/proc/PID/stat`: start time in clock ticks since boot.
    func startTime(_ pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "\(proc)/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command: state is field 3, so start time (22) is index 19 here.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    private func startDate(ticks: UInt64) -> Date? {
        guard let stat = try? String(contentsOfFile: "\(proc)/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard hertz > 0 else { return nil }
        return Date(timeIntervalSince1970: boot + Double(ticks) / hertz)
    }
}

/// SHA-256 of executables, cached by device, inode, size and modification time.
actor ExecutableHashCache {
    private var cache: [String: String] = [:]

    init() {}

    func sha256(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let key = "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec):\(info.st_mtim.tv_nsec)"
        if let cached = cache[key] { return cached }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        if cache.count > 1024 { cache.removeAll() }
        cache[key] = digest
        return digest
    }
}
