import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An exclusive lock on a server's data folder (`tessera.lock`, `flock(2)`), held until the process exits.
/// SQLite storage belongs to one server process: a second server on the same folder would interleave its audit
/// chain with the first one's and wait on the database lock forever (docs/threat-model.md). The lock
/// goes with the process, so a crashed server leaves nothing to clean up.
struct DataDirectoryLock {
    private let descriptor: Int32

    /// Takes the lock or explains who holds it.
    static func acquire(_ directory: String) throws -> DataDirectoryLock {
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (directory as NSString).appendingPathComponent("tessera.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure(message: "cannot open \(path) (errno \(errno)): is the data folder writable?")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw CommandFailure(
                message: "another tessera server\(holder.map { " (pid \($0.prefix(12)))" } ?? "") is using the data folder "
                    + "\(directory): stop it, or give this server its own --data-dir (servers share state only through "
                    + "--storage postgres://...)")
        }
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return DataDirectoryLock(descriptor: descriptor)
    }

    /// Keeps the lock alive until here (call at the end of the server's run).
    func hold() { _ = descriptor }
}
