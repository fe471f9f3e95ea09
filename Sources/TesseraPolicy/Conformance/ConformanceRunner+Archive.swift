import Foundation

/// Running a conformance folder that still holds its corpus as `corpus-tests.tar.gz`.
extension ConformanceRunner {
    /// Runs every test under `directory`. When the folder holds `*.tar.gz` archives that are not
    /// unpacked next to them (Cedar's `corpus-tests.tar.gz`), they are unpacked with `/usr/bin/tar`
    /// into a temporary folder that mirrors `directory` (other entries are symlinked), the tests run
    /// there with the same relative paths, and the temporary folder is removed afterwards.
    public static func runFolder(_ directory: String, useIDAnnotations: Bool = false) throws(CedarError) -> ConformanceReport {
        try withUnpackedFolder(directory) { root in ConformanceRunner(root: root, useIDAnnotations: useIDAnnotations).run() }
    }

    /// Calls `body` with a folder equivalent to `directory` in which every `*.tar.gz` archive is unpacked
    /// (`directory` itself when there is nothing to unpack); the temporary folder is removed afterwards.
    public static func withUnpackedFolder<T>(_ directory: String, _ body: (String) -> T) throws(CedarError) -> T {
        let fm = FileManager.default
        // Symbolic links in the temporary folder must point at absolute paths.
        let directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        let archives = entries.filter {
            $0.hasSuffix(".tar.gz") && !fm.fileExists(atPath: directory + "/" + String($0.dropLast(7)))
        }
        guard !archives.isEmpty else { return body(directory) }
        let temp = fm.temporaryDirectory.appendingPathComponent("tessera-conformance-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: temp) }
        do {
            try fm.createDirectory(atPath: temp, withIntermediateDirectories: true)
            for entry in entries where !archives.contains(entry) {
                try fm.createSymbolicLink(atPath: temp + "/" + entry, withDestinationPath: directory + "/" + entry)
            }
            for archive in archives {
                let tar = Process()
                tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
                tar.arguments = ["xzf", directory + "/" + archive, "-C", temp]
                try tar.run()
                tar.waitUntilExit()
                guard tar.terminationStatus == 0 else {
                    throw CedarError(.io, "tar exited with status \(tar.terminationStatus) for \(archive)")
                }
            }
        } catch let error as CedarError {
            throw error
        } catch {
            throw CedarError(.io, "cannot unpack conformance archives: \(error)")
        }
        return body(temp)
    }
}
