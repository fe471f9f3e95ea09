import Foundation
import Synchronization
import TesseraAudit
import TesseraCore
import TesseraStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// This server's memory, outside the database, of the newest head it made durable in its chain: a small file in the
/// data folder (`audit-head`, or `audit-head.postgres.<16 hex>` per endpoint, schema and chain), with the head's MAC,
/// written by `Keeper` for every durable batch before its callers see it.
///
/// Who proves what: the server wrote the file after the database said the records were durable; a database writer
/// (who does not hold the KEK and cannot write the data folder) can delete the newest records and put an old head row
/// back, MAC and all, or make appends answer "written" while writing nothing. A running server refuses to chain after
/// a head that moved back; this file carries that knowledge over a restart, where the start-up check
/// (`AuditHeadCheck`) refuses a chain that ends before the remembered head or holds another record there. A head
/// remembered behind the database's is normal (other servers may share the chain).
struct AuditHeadWitness: Sendable {
    let path: String
    let chain: String
    let keyring: AuditKeyring

    init(storage: any TesseraStorage, dataDirectory: String, keyring: AuditKeyring) {
        self.chain = storage.audit.chain
        self.keyring = keyring
        if let endpoint = storage.sharedEndpoint {
            let key = endpoint.localFileKey(qualifier: "/\(chain)")
            path = (dataDirectory as NSString).appendingPathComponent("audit-head.postgres.\(key)")
        } else {
            path = (dataDirectory as NSString).appendingPathComponent("audit-head")
        }
    }

    /// The remembered head; nil when none was written. A file that does not parse or whose MAC does not verify under
    /// this KEK is refused (it is this server's own file: something else wrote it).
    func load() throws(ServerError) -> AuditHead? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let seq = (object["seq"] as? NSNumber)?.int64Value, let hash = object["hash"] as? String,
            let mac = object["mac"] as? String, (object["chain"] as? String) == chain
        else {
            throw ServerError(
                .configuration, "the audit head remembered in \(path) is not readable; it is this server's own file")
        }
        let head = AuditHead(seq: seq, hash: hash)
        guard keyring.verifiesHeadMAC(head, mac: mac, chain: chain) else {
            throw ServerError(
                .configuration, "the audit head remembered in \(path) has no valid MAC under this KEK: it was not written here")
        }
        return head
    }

    /// Opens (creating, 0600) the file for `Keeper`.
    func keeper() throws(ServerError) -> Keeper {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw ServerError(.storage, "the audit head cannot be remembered in \(path)") }
        return Keeper(descriptor: descriptor, path: path, chain: chain, keyring: keyring)
    }

    /// Writes every durable head into the file as the audit writer makes it (`AuditHeadKeeper`), before the batch's
    /// callers are resumed: one `pwrite` of a fixed-size record at offset 0, which a crash of the process (kill -9,
    /// OOM) cannot tear or lose once it returned. `flush()` (every 200 ms, `AuditHeadWitnessService`) makes it survive
    /// a power loss too; until then the kept head may fall behind, never ahead.
    final class Keeper: AuditHeadKeeper, Sendable {
        static let size = 256
        let descriptor: Int32
        /// The file written (named in log lines).
        let path: String
        let chain: String
        let keyring: AuditKeyring
        private let failures = Atomic<Int>(0)

        init(descriptor: Int32, path: String, chain: String, keyring: AuditKeyring) {
            self.descriptor = descriptor
            self.path = path
            self.chain = chain
            self.keyring = keyring
        }

        deinit { close(descriptor) }

        /// Writes that failed so far (logged by the service).
        var failed: Int { failures.load(ordering: .relaxed) }

        func keep(_ head: AuditHead) {
            guard let mac = keyring.headMAC(head, keyID: keyring.current.id, chain: chain) else { return }
            var json = JSONWriter()
            json.field("chain", chain)
            json.field("hash", head.hash)
            json.field("mac", mac)
            json.field("seq", Int(head.seq))
            var bytes = Array(json.finish())
            guard bytes.count < Self.size else {
                failures.add(1, ordering: .relaxed)
                return
            }
            // Padded with spaces (JSON whitespace) to a fixed size: each write replaces the whole record.
            bytes += [UInt8](repeating: 0x20, count: Self.size - 1 - bytes.count) + [0x0A]
            let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
            if written != bytes.count { failures.add(1, ordering: .relaxed) }
        }

        func flush() {
            if fdatasync(descriptor) != 0 { failures.add(1, ordering: .relaxed) }
        }
    }
}
