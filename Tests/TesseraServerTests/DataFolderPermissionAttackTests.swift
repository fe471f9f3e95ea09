import Foundation
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// Another local user must not read the data folder (SQLite -wal/-shm held tokens' records).
@Suite(.serialized, .stopsServers) struct DataFolderPermissionAttackTests {
    /// Every entry under `directory` with group or other permission bits, as `path mode`.
    static func exposed(_ directory: String) throws -> [String] {
        var found: [String] = []
        let entries = try FileManager.default.subpathsOfDirectory(atPath: directory) + [""]
        for entry in entries {
            let path = (directory as NSString).appendingPathComponent(entry)
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            if mode & 0o077 != 0 { found.append("\(entry.isEmpty ? "." : entry) \(String(mode, radix: 8))") }
        }
        return found
    }

    @Test func everyFileInTheDataFolderIsPrivate() async throws {
        let previous = umask(0o022)  // a typical login umask: files 0644 unless the server sets its own
        defer { umask(previous) }
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("private")
        #expect(try await server.requestToken(workload).status == 200)  // the WAL now holds records
        let files = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory)
        #expect(files.contains { $0.hasSuffix("-wal") }, "\(files)")
        #expect(try Self.exposed(server.dataDirectory) == [])
        await server.stop()
    }

    @Test func filesLeftReadableByAnEarlierVersionAreTightenedAtStart() async throws {
        let directory = NSTemporaryDirectory() + "tessera-perm-" + UUID().uuidString
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let stale = (directory as NSString).appendingPathComponent("tessera.sqlite-shm")
        #expect(FileManager.default.createFile(atPath: stale, contents: Data(), attributes: [.posixPermissions: 0o644]))
        let server = try await TestServer.start(dataDirectory: directory)
        #expect(try Self.exposed(directory) == [])
        await server.stop()
    }
}
