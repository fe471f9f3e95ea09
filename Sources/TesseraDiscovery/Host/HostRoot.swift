import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A directory tree read as a host's `/` (the real root, or a mounted image), with every file read bounded and no
/// symbolic link followed out of the tree: links resolve as they would inside a chroot (an absolute target starts at
/// the tree's root, `..` stops there). Only regular files are read (no device, FIFO or socket), at most
/// ``maximumFileSize`` bytes; a file holding a NUL byte is binary and refused.
public struct HostRoot: Sendable {
    /// The tree's root, absolute, without a trailing slash (`""` for `/`).
    public let base: String
    public static let maximumFileSize = 4 << 20
    public static let maximumLineLength = 64 << 10
    static let maximumLinks = 40

    public enum Read: Sendable, Equatable {
        /// The text, and whether it was cut at ``HostRoot/maximumFileSize``.
        case text(String, truncated: Bool)
        case missing
        /// A sentence saying why (`permission denied`, `binary file`, `not a regular file`).
        case unreadable(String)
    }

    public init(_ path: String) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var trimmed = absolute
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        base = trimmed
    }

    /// `path` (absolute inside the tree) as a real path, its links resolved inside the tree; `nil` after too many links.
    public func resolve(_ path: String) -> String? {
        var resolved: [String] = []
        var pending = path.split(separator: "/").map(String.init)
        var links = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." { continue }
            if component == ".." {
                _ = resolved.popLast()
                continue
            }
            let candidate = base + "/" + (resolved + [component]).joined(separator: "/")
            var status = stat()
            guard lstat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else {
                resolved.append(component)
                continue
            }
            links += 1
            guard links <= Self.maximumLinks, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate)
            else { return nil }
            if target.hasPrefix("/") { resolved = [] }
            pending = target.split(separator: "/").map(String.init) + pending
        }
        return base + "/" + resolved.joined(separator: "/")
    }

    /// How `path` is shown in messages: inside the tree, prefixed with the tree when it is not `/`.
    public func display(_ path: String) -> String { base.isEmpty ? path : base + path }

    /// Reads a regular file, bounded.
    public func read(_ path: String) -> Read {
        guard let real = resolve(path) else { return .unreadable("too many symbolic links") }
        let descriptor = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: return .missing
            case EACCES, EPERM: return .unreadable("permission denied")
            case ELOOP: return .unreadable("a symbolic link")
            default: return .unreadable(String(cString: strerror(errno)))
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            return .unreadable("not a regular file")
        }
        var data = [UInt8](repeating: 0, count: Self.maximumFileSize + 1)
        var count = 0
        while count < data.count {
            let got = data.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return .unreadable(String(cString: strerror(errno))) }
            if got == 0 { break }
            count += got
        }
        let truncated = count > Self.maximumFileSize
        let bytes = data[0..<min(count, Self.maximumFileSize)]
        if bytes.contains(0) { return .unreadable("binary file (it holds NUL bytes)") }
        return .text(String(decoding: bytes, as: UTF8.self), truncated: truncated)
    }

    /// The names in a directory (sorted; at most `limit`), `nil` when it is missing or unreadable.
    public func list(_ path: String, limit: Int = 10_000) -> [String]? {
        guard let real = resolve(path), let names = try? FileManager.default.contentsOfDirectory(atPath: real) else { return nil }
        return Array(names.sorted().prefix(limit))
    }

    /// Splits text into lines, dropping (and counting) lines longer than ``maximumLineLength``.
    public static func lines(_ text: String) -> (lines: [Substring], overlong: Int) {
        var overlong = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            guard line.utf8.count <= maximumLineLength else {
                overlong += 1
                return false
            }
            return true
        }
        return (lines, overlong)
    }
}

/// `read(2)` (the name `read` is taken by ``HostRoot/read(_:)`` inside the type).
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
    #else
        Darwin.read(descriptor, buffer, count)
    #endif
}
