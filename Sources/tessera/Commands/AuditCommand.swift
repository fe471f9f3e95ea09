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
        abstract: "Check every record's hash, link and MAC, and the checkpoints; exits 1 and names the first broken record.",
        discussion: """
            MACs are checked with keys derived from the KEK (--kek-file, TESSERA_KEK_FILE or TESSERA_KEK; a development \
            data folder's own KEK is found by itself). With --checkpoint FILE|URL (checkpoints kept outside the \
            database: the --audit-checkpoint-file, an HTTP sink, or the server's JSON log lines), it also proves that \
            no record at or before each checkpoint was removed or rewritten. See docs/audit.md.
            """)

    @Option(name: .customLong("data-dir"), help: "The server's data folder.") var dataDir: String = ".tessera"
    @Option(
        help: "The server's PostgreSQL storage URL instead of the data folder (env TESSERA_STORAGE, TESSERA_STORAGE_PASSWORD).")
    var storage: String?
    @Option(name: .customLong("kek-file"), help: "The server's key-encryption key file (env TESSERA_KEK_FILE or TESSERA_KEK).")
    var kekFile: String?
    @Option(
        name: .customLong("checkpoint"),
        help: "Checkpoints kept outside the database: a file of JSON lines or an http(s) URL (repeatable).")
    var checkpoints: [String] = []
    @Option(
        name: .customLong("checkpoint-key"),
        help: "The checkpoint public key (base64, from GET /v1/audit/checkpoint-key) to pin when verifying without the KEK.")
    var checkpointKey: String?
    @Flag(name: .customLong("skip-macs"), help: "Verify without the KEK: hashes, links and checkpoint signatures only.")
    var skipMACs = false
    @Flag(
        name: .customLong("accept-unkeyed-prefix"),
        help: "Accept records without a MAC at the start of the chain: only for a database written before keyed audit.")
    var acceptUnkeyedPrefix = false
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let keyring = skipMACs ? nil : try AuditVerifyInputs.keyring(kekFile: kekFile, dataDir: dataDir)
        let pinned = try checkpointKey.map { encoded in
            guard let key = AuditCheckpointKey(encoded: encoded) else {
                throw CommandFailure(message: "--checkpoint-key must be a base64 Ed25519 public key (32 bytes)")
            }
            return key
        }
        if let pinned, let keyring, pinned != keyring.checkpointKey {
            throw CommandFailure(
                message: "--checkpoint-key is not the key this KEK derives (\(keyring.checkpointKey.fingerprint))")
        }
        let outside = try await AuditVerifyInputs.checkpoints(checkpoints)
        let database = try await AuditStoreOpener.open(dataDir: dataDir, storage: storage)
        let report = try await AuditVerifier(
            store: database.audit, keyring: keyring, checkpoints: outside, checkpointKey: pinned,
            acceptUnkeyedPrefix: acceptUnkeyedPrefix
        ).verify()
        // Keyed records whose MACs nobody checked prove nothing about who wrote them: say so, and fail.
        let unchecked = keyring == nil && !skipMACs && report.keyedRecords > 0
        if output.json {
            print(try json(report, unchecked: unchecked))
        } else {
            print(text(report, unchecked: unchecked))
        }
        if !report.isIntact || unchecked { throw ExitCode(1) }
    }

    private func json(_ report: AuditVerificationReport, unchecked: Bool) throws -> String {
        var object: [String: Any] = [
            "intact": report.isIntact && !unchecked, "records_checked": report.recordsChecked,
            "legacy_records": report.legacyRecords, "keyed_records": report.keyedRecords, "macs_checked": report.macsChecked,
            "checkpoints_in_log": report.checkpointsInLog, "external_checkpoints": report.externalCheckpoints,
        ]
        if let head = report.head {
            object["head_seq"] = head.seq
            object["head_hash"] = head.hash
        }
        object["chains"] = Dictionary(
            uniqueKeysWithValues: report.heads.map {
                ($0.key, ["head_seq": $0.value.seq, "head_hash": $0.value.hash] as [String: Any])
            })
        if let broken = report.firstBreak {
            object["broken_seq"] = broken.seq
            object["broken_reason"] = broken.reason
            object["broken_chain"] = broken.chain
        }
        if unchecked { object["broken_reason"] = "keyed records found but no KEK to check their MACs" }
        if let last = report.lastCheckpoint {
            object["last_checkpoint_seq"] = last.seq
            object["last_checkpoint_time"] = last.time
        }
        if let seq = report.externalCheckpointSeq { object["external_checkpoint_seq"] = seq }
        if let key = report.checkpointKeyFingerprint { object["checkpoint_key"] = key }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private func text(_ report: AuditVerificationReport, unchecked: Bool) -> String {
        if let broken = report.firstBreak {
            let chain = broken.chain.isEmpty ? "" : " of chain \(broken.chain)"
            return
                "BROKEN at record \(broken.seq)\(chain): \(broken.reason) (\(report.recordsChecked) records verified before it)"
        }
        if unchecked {
            return """
                NOT VERIFIED: \(report.keyedRecords) keyed records but no KEK to check their MACs (pass --kek-file, or \
                --skip-macs to check only hashes, links and checkpoint signatures)
                """
        }
        var lines =
            report.heads.count > 1
            ? ["OK: \(report.recordsChecked) records in \(report.heads.count) chains, every chain intact"]
                + report.heads.sorted { $0.key < $1.key }.map {
                    "  chain \($0.key.isEmpty ? "(unnamed)" : $0.key): \($0.value.seq) records, head \($0.value.hash)"
                }
            : ["OK: \(report.recordsChecked) records, chain intact, head \(report.head?.hash ?? "(empty)")"]
        if report.macsChecked {
            lines.append("  MACs: \(report.keyedRecords) keyed records checked; recorded head MAC valid")
        } else {
            lines.append("  MACs: NOT checked (--skip-macs): someone with database access could have rewritten records")
        }
        if report.legacyRecords > 0 {
            lines.append(
                "  legacy: \(report.legacyRecords) unkeyed records (seq 1...\(report.legacyRecords), written before keying)")
        }
        if let last = report.lastCheckpoint {
            lines.append("  checkpoints in the log: \(report.checkpointsInLog), the last over seq \(last.seq) at \(last.time)")
        }
        if let seq = report.externalCheckpointSeq {
            lines.append(
                "  outside checkpoints: \(report.externalCheckpoints), up to seq \(seq): nothing at or before it removed or rewritten"
            )
        } else {
            lines.append("  no outside checkpoint given: deleting the newest records cannot be ruled out (see --checkpoint)")
        }
        if let key = report.checkpointKeyFingerprint { lines.append("  checkpoint key \(key)") }
        return lines.joined(separator: "\n")
    }
}

struct AuditExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the audit log as JSON lines (each record's fields plus its hash).")

    @Option(name: .customLong("data-dir"), help: "The server's data folder.") var dataDir: String = ".tessera"
    @Option(
        help: "The server's PostgreSQL storage URL instead of the data folder (env TESSERA_STORAGE, TESSERA_STORAGE_PASSWORD).")
    var storage: String?
    @Option(help: "Output file (default: standard output).") var output: String?
    @Option(help: "Start after this sequence number.") var after: Int64 = 0
    @Flag(help: "With --output: print a JSON summary for scripts ({\"exported\": N, \"output\": ..., \"last_seq\": ...}).")
    var json = false

    func run() async throws {
        if json, output == nil {
            throw CommandFailure(message: "--json needs --output: without it the records themselves are the JSON lines on stdout")
        }
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
        if let output {
            Output.done(
                ["exported": count, "output": output, "last_seq": cursor], json: json, note: "exported \(count) records")
        }
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

    static func open(_ dataDir: String) throws -> SQLiteStorage {
        let path = (dataDir as NSString).appendingPathComponent(SQLiteStorage.fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(message: "no Tessera database at \(path)")
        }
        do {
            return try SQLiteStorage(directory: dataDir)
        } catch let error as StoreError {
            throw CommandFailure(message: error.reason)
        }
    }
}
