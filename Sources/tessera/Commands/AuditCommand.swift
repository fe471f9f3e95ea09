import ArgumentParser
import Foundation
import TesseraAudit
import TesseraStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and export the hash-chained audit log (offline, from the data folder or PostgreSQL storage).",
        subcommands: [AuditVerify.self, AuditExport.self])
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record's hash and link; exits 1 and names the first broken record if the chain is broken.")

    @Option(name: .customLong("data-dir"), help: "The server's data folder.") var dataDir: String = ".tessera"
    @Option(help: "The server's PostgreSQL storage URL instead of the data folder (env TESSERA_STORAGE, TESSERA_STORAGE_PASSWORD).")
    var storage: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let database = try await AuditStoreOpener.open(dataDir: dataDir, storage: storage)
        let report = try await AuditVerifier(store: database.audit).verify()
        if output.json {
            var object: [String: Any] = ["intact": report.isIntact, "records_checked": report.recordsChecked]
            if let head = report.head { object["head_seq"] = head.seq; object["head_hash"] = head.hash }
            if let broken = report.firstBreak { object["broken_seq"] = broken.seq; object["broken_reason"] = broken.reason }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else if let broken = report.firstBreak {
            print("BROKEN at record \(broken.seq): \(broken.reason) (\(report.recordsChecked) records verified before it)")
        } else {
            print("OK: \(report.recordsChecked) records, chain intact, head \(report.head?.hash ?? "(empty)")")
        }
        if !report.isIntact { throw ExitCode(1) }
    }
}

struct AuditExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the audit log as JSON lines (each record's fields plus its hash).")

    @Option(name: .customLong("data-dir"), help: "The server's data folder.") var dataDir: String = ".tessera"
    @Option(help: "The server's PostgreSQL storage URL instead of the data folder (env TESSERA_STORAGE, TESSERA_STORAGE_PASSWORD).")
    var storage: String?
    @Option(help: "Output file (default: standard output).") var output: String?
    @Option(help: "Start after this sequence number.") var after: Int64 = 0

    func run() async throws {
        let store = try await AuditStoreOpener.open(dataDir: dataDir, storage: storage).audit
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]),
                let file = FileHandle(forWritingAtPath: output)
            else { throw CommandFailure(message: "cannot write \(output)") }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        var cursor = after
        var count = 0
        while true {
            let page = try await store.records(after: cursor, limit: 5000)
            guard let last = page.last else { break }
            handle.write(Data((page.map { $0.exportLine() }.joined(separator: "\n") + "\n").utf8))
            cursor = last.seq
            count += page.count
        }
        if output != nil { Output.note("exported \(count) records") }
    }
}

enum AuditStoreOpener {
    /// PostgreSQL storage when `--storage` (or `TESSERA_STORAGE`) names one, read as it is (no migration);
    /// else the SQLite database in `dataDir`, which must exist.
    static func open(dataDir: String, storage: String?) async throws -> any TesseraStorage {
        let environment = ProcessInfo.processInfo.environment
        if let url = storage ?? environment["TESSERA_STORAGE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                var endpoint = try PostgresEndpoint(url: url)
                if endpoint.password == nil { endpoint = endpoint.with(password: environment["TESSERA_STORAGE_PASSWORD"]) }
                return try await PostgresStorage.connect(endpoint, migrate: false)
            } catch let error as StoreError {
                throw CommandFailure(message: error.reason)
            }
        }
        return try open(dataDir)
    }

    static func open(_ dataDir: String) throws -> TesseraDatabase {
        let path = (dataDir as NSString).appendingPathComponent(TesseraDatabase.fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(message: "no Tessera database at \(path)")
        }
        do {
            return try TesseraDatabase(directory: dataDir)
        } catch let error as StoreError {
            throw CommandFailure(message: error.reason)
        }
    }
}
