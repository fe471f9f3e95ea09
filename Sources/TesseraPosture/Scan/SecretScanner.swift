import Foundation

/// Scans a file or folder tree for hard-coded secrets. Skips `.git`, binary files and files over
/// `maximumFileSize`; does not follow symbolic links.
public struct SecretScanner: Sendable {
    /// Progress of a scan: bytes and files done so far, and the totals.
    public struct Progress: Sendable {
        public let bytesDone: Int
        public let bytesTotal: Int
        public let filesDone: Int
        public let filesTotal: Int
    }

    /// The result of scanning a tree.
    public struct Report: Sendable, Codable {
        public let findings: [SecretFinding]
        public let filesScanned: Int
        public let bytesScanned: Int
        public let filesSkipped: Int

        public init(findings: [SecretFinding], filesScanned: Int, bytesScanned: Int, filesSkipped: Int) {
            self.findings = findings
            self.filesScanned = filesScanned
            self.bytesScanned = bytesScanned
            self.filesSkipped = filesSkipped
        }

        enum CodingKeys: String, CodingKey {
            case findings
            case filesScanned = "files_scanned"
            case bytesScanned = "bytes_scanned"
            case filesSkipped = "files_skipped"
        }
    }

    public let text: TextScanner
    public let maximumFileSize: Int
    static let skippedFolders: Set<String> = [".git", ".build", "node_modules", ".venv", ".swiftpm"]

    public init(text: TextScanner = TextScanner(), maximumFileSize: Int = 8 << 20) {
        self.text = text
        self.maximumFileSize = maximumFileSize
    }

    /// Scans `root` (a file or folder). Paths in findings are relative to `root` when it is a folder.
    public func scan(root: String, progress: (@Sendable (Progress) -> Void)? = nil) throws -> Report {
        let files = try Self.listFiles(root)
        let total = files.reduce(0) { $0 + $1.size }
        var findings: [SecretFinding] = []
        var done = 0
        var skipped = 0
        var scanned = 0
        for (index, file) in files.enumerated() {
            defer {
                done += file.size
                progress?(Progress(bytesDone: done, bytesTotal: total, filesDone: index + 1, filesTotal: files.count))
            }
            guard file.size <= maximumFileSize, let data = FileManager.default.contents(atPath: file.absolute),
                !data.prefix(8192).contains(0)
            else {
                skipped += 1
                continue
            }
            scanned += 1
            let content = String(decoding: data, as: UTF8.self)
            findings += text.scan(content, path: file.relative)
        }
        return Report(findings: findings, filesScanned: scanned, bytesScanned: done, filesSkipped: skipped)
    }

    struct FileEntry {
        let absolute: String
        let relative: String
        let size: Int
    }

    static func listFiles(_ root: String) throws -> [FileEntry] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw PostureError(.unreadable, "\(root) does not exist")
        }
        if !isDirectory.boolValue {
            let size = (try? manager.attributesOfItem(atPath: root)[.size] as? Int) ?? 0
            return [FileEntry(absolute: root, relative: (root as NSString).lastPathComponent, size: size)]
        }
        let base = URL(fileURLWithPath: root).standardizedFileURL
        guard
            let enumerator = manager.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey, .fileSizeKey, .isDirectoryKey])
        else { throw PostureError(.unreadable, "cannot list \(root)") }
        var files: [FileEntry] = []
        let prefix = base.path.hasSuffix("/") ? base.path : base.path + "/"
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey, .fileSizeKey, .isDirectoryKey])
            if values?.isDirectory == true {
                let name = url.lastPathComponent
                if skippedFolders.contains(name) || name.hasPrefix(".venv") { enumerator.skipDescendants() }
                continue
            }
            guard values?.isRegularFile == true, values?.isSymbolicLink != true else { continue }
            let path = url.standardizedFileURL.path
            let relative = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
            files.append(FileEntry(absolute: path, relative: relative, size: values?.fileSize ?? 0))
        }
        return files.sorted { $0.relative < $1.relative }
    }
}
