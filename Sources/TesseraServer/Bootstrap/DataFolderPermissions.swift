import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps the data folder private to the server's user (docs/threat-model.md): the SQLite database and its
/// `-wal`/`-shm` files, the digest cache and any development KEK hold secrets or their hashes.
enum DataFolderPermissions {
    /// Sets the process umask to 077 (every file created from now on is 0600, every folder 0700), creates
    /// `directory` (0700) if needed and `create` is set, and strips group and other bits from what it already
    /// holds (symbolic links are left alone, never followed).
    static func secure(_ directory: String, create: Bool) throws(ServerError) {
        umask(0o077)
        guard create || FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ServerError(.storage, "the data folder \(directory) could not be created")
        }
        restrict(directory)
        guard let entries = FileManager.default.enumerator(atPath: directory) else { return }
        for case let entry as String in entries {
            restrict((directory as NSString).appendingPathComponent(entry))
        }
    }

    /// Removes group and other permission bits from `path` unless it is a symbolic link.
    private static func restrict(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFLNK else { return }
        let mode = info.st_mode & 0o7777
        if mode & 0o077 != 0 { _ = chmod(path, mode & 0o700) }
    }
}
