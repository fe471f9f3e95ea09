import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which file a process is running: device and inode of `/proc/PID/exe`'s target. An `execve` of another
/// binary changes it; the pid and start time stay the same.
struct ExecutableIdentity: Sendable, Hashable, CustomStringConvertible {
    let device: UInt64
    let inode: UInt64

    var description: String { "\(device):\(inode)" }
}

/// What the agent reads about a process. The real one reads `/proc`; tests inject one that simulates an exec.
protocol ProcessInspector: Sendable {
    /// Field 22 of `/proc/PID/stat`: start time in clock ticks since boot.
    func startTicks(_ pid: Int32) -> UInt64?
    /// When the process started (wall clock), from its start ticks and the boot time.
    func startDate(_ pid: Int32) -> Date?
    /// The file the process is running now.
    func executableIdentity(_ pid: Int32) -> ExecutableIdentity?
    /// `/proc/PID/exe`'s target, without the ` (deleted)` suffix the kernel adds for replaced binaries.
    func executablePath(_ pid: Int32) -> String?
    /// SHA-256 (hex) of the file the process runs, with the identity of the very file that was hashed.
    func executableSHA256(_ pid: Int32) async -> (ExecutableIdentity, String)?
}

/// The real `ProcessInspector`: `/proc`.
struct ProcFS: ProcessInspector {
    let hashes: ExecutableHashCache
    /// Root of the proc file system.
    var root = "/proc"

    func startTicks(_ pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "\(root)/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command: state is field 3, so start time (22) is index 19 here.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    func startDate(_ pid: Int32) -> Date? {
        guard let ticks = startTicks(pid),
            let stat = try? String(contentsOfFile: "\(root)/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard hertz > 0 else { return nil }
        return Date(timeIntervalSince1970: boot + Double(ticks) / hertz)
    }

    func executableIdentity(_ pid: Int32) -> ExecutableIdentity? {
        var info = stat()
        guard stat("\(root)/\(pid)/exe", &info) == 0 else { return nil }
        return ExecutableIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    func executablePath(_ pid: Int32) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/\(pid)/exe") else { return nil }
        return target.hasSuffix(" (deleted)") ? String(target.dropLast(10)) : target
    }

    func executableSHA256(_ pid: Int32) async -> (ExecutableIdentity, String)? {
        await hashes.sha256(of: "\(root)/\(pid)/exe")
    }
}

/// SHA-256 of executables, cached by device, inode, size and modification time. The file is opened once and
/// both the cache key (`fstat`) and the bytes come from that descriptor, so an exec between the two cannot
/// file one binary's hash under another's key.
actor ExecutableHashCache {
    private var cache: [String: String] = [:]

    init() {}

    func sha256(of path: String) -> (ExecutableIdentity, String)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        let identity = ExecutableIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        let key = "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec):\(info.st_mtim.tv_nsec)"
        if let cached = cache[key] { return (identity, cached) }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        if cache.count > 1024 { cache.removeAll() }
        cache[key] = digest
        return (identity, digest)
    }
}
