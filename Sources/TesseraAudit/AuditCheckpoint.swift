import Foundation
import TesseraCore

/// A checkpoint statement: "the record at `seq` of `chain` has hash `hash`", made at `time` by `writer`, with the
/// head of every chain it could read. Signed (`SignedAuditCheckpoint`), appended to its chain as an `audit.checkpoint`
/// record and sent outside the database, it pins everything at or before `seq` in its chain and at or before each
/// named head in theirs: a later verification against it finds any such record removed or rewritten.
///
/// A statement without `chain` (made before named chains) names the unnamed chain, and its `writers` map names each
/// server instance's own last record rather than chain heads; verification reads only its `seq` and `hash`.
public struct AuditCheckpoint: Sendable, Equatable {
    /// The statement type and version.
    public static let type = "tessera.audit.checkpoint.v1"

    public let seq: Int64
    public let hash: String
    /// ISO 8601, milliseconds.
    public let time: String
    /// The server instance that made it.
    public let writer: String
    /// With `chain`: every chain's head (chain name → its seq and hash) as `writer` read it when it made the
    /// statement. Without: each server instance's last record, as far as `writer` knew.
    public let writers: [String: AuditHead]
    /// The chain of the record the statement follows; nil on statements made before named chains.
    public let chain: String?
    /// The fingerprint of the signing key (`AuditCheckpointKey.fingerprint`).
    public let keyFingerprint: String

    public init(
        seq: Int64, hash: String, time: String, writer: String, writers: [String: AuditHead], keyFingerprint: String,
        chain: String? = nil
    ) {
        self.chain = chain
        self.seq = seq
        self.hash = hash
        self.time = time
        self.writer = writer
        self.writers = writers
        self.keyFingerprint = keyFingerprint
    }

    /// Keys sorted, no whitespace: the exact bytes that are signed.
    public func canonicalJSON() -> String {
        var json = JSONWriter()
        if let chain { json.field("chain", chain) }
        json.field("hash", hash)
        json.field("key", keyFingerprint)
        json.field("seq", Int(seq))
        json.field("time", time)
        json.field("type", Self.type)
        json.field("writer", writer)
        var heads = JSONWriter()
        for id in writers.keys.sorted() {
            var head = JSONWriter()
            head.field("hash", writers[id]!.hash)
            head.field("seq", Int(writers[id]!.seq))
            heads.rawField(id, json: String(decoding: head.finish(), as: UTF8.self))
        }
        json.rawField("writers", json: String(decoding: heads.finish(), as: UTF8.self))
        return String(decoding: json.finish(), as: UTF8.self)
    }

    /// Reads a statement; nil unless it is a well-formed v1 checkpoint.
    public init?(statement: String) {
        struct Head: Decodable {
            let seq: Int64
            let hash: String
        }
        struct Wire: Decodable {
            let chain: String?
            let hash: String
            let key: String
            let seq: Int64
            let time: String
            let type: String
            let writer: String
            let writers: [String: Head]
        }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(statement.utf8)), wire.type == Self.type,
            wire.seq >= 0
        else { return nil }
        self.init(
            seq: wire.seq, hash: wire.hash, time: wire.time, writer: wire.writer,
            writers: wire.writers.mapValues { AuditHead(seq: $0.seq, hash: $0.hash) }, keyFingerprint: wire.key,
            chain: wire.chain)
    }

    /// The records the statement pins, chain by chain: the record it follows and, on a statement naming chains,
    /// every head it names.
    public var pins: [(chain: String, head: AuditHead)] {
        var pins = [(chain: chain ?? "", head: AuditHead(seq: seq, hash: hash))]
        if chain != nil { pins += writers.map { (chain: $0.key, head: $0.value) } }
        return pins.filter { $0.head.seq > 0 }
    }
}

/// A checkpoint with its Ed25519 signature and the public key that checks it. The statement is carried as the exact
/// string that was signed, so nothing is re-serialised before checking.
public struct SignedAuditCheckpoint: Sendable, Equatable {
    public let statement: String
    public let signature: Data
    public let key: AuditCheckpointKey
    public let checkpoint: AuditCheckpoint

    /// Signs `checkpoint` with the keyring's checkpoint key.
    public init(signing checkpoint: AuditCheckpoint, with keyring: AuditKeyring) throws {
        statement = checkpoint.canonicalJSON()
        signature = try keyring.sign(statement)
        key = keyring.checkpointKey
        self.checkpoint = checkpoint
    }

    /// Reads the parts (base64 signature and key); nil when malformed. Does not check the signature.
    public init?(statement: String, signature: String, publicKey: String) {
        guard let checkpoint = AuditCheckpoint(statement: statement), let signature = AuditCheckpointKey.base64(signature),
            let key = AuditCheckpointKey(encoded: publicKey)
        else { return nil }
        self.statement = statement
        self.signature = signature
        self.key = key
        self.checkpoint = checkpoint
    }

    /// Whether the signature verifies under the carried key and the statement names that key's fingerprint.
    /// Says nothing about whether the key is the right one: compare `key` with the pinned key.
    public var isSelfConsistent: Bool {
        checkpoint.keyFingerprint == key.fingerprint && key.verifies(signature, of: statement)
    }

    /// The details of the `audit.checkpoint` record that carries it.
    var details: [String: AuditValue] {
        [
            "statement": .string(statement), "signature": .string(signature.base64EncodedString()),
            "public_key": .string(key.publicKey),
        ]
    }

    /// Reads the checkpoint an `audit.checkpoint` record carries.
    init?(details: [String: AuditValue]) {
        guard case .string(let statement) = details["statement"], case .string(let signature) = details["signature"],
            case .string(let publicKey) = details["public_key"]
        else { return nil }
        self.init(statement: statement, signature: signature, publicKey: publicKey)
    }

    /// One JSON object on one line: what the file and HTTP sinks receive and `audit verify --checkpoint` reads.
    public func jsonLine() -> String {
        var json = JSONWriter()
        json.field("public_key", key.publicKey)
        json.field("seq", Int(checkpoint.seq))
        json.field("signature", signature.base64EncodedString())
        json.field("statement", statement)
        return String(decoding: json.finish(), as: UTF8.self)
    }

    /// Every checkpoint in `text`: JSON lines as `jsonLine()` writes them, a JSON array of them, or JSON log lines
    /// whose `audit_checkpoint` field holds one. Lines that are neither are skipped.
    public static func parseAll(_ text: String) -> [SignedAuditCheckpoint] {
        if let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] {
            return array.compactMap { ($0 as? [String: Any]).flatMap(parse(object:)) }
        }
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).flatMap(parse(object:))
        }
    }

    private static func parse(object: [String: Any]) -> SignedAuditCheckpoint? {
        if let embedded = object["audit_checkpoint"] as? String,
            let inner = try? JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? [String: Any]
        {
            return parse(object: inner)
        }
        guard let statement = object["statement"] as? String, let signature = object["signature"] as? String,
            let publicKey = object["public_key"] as? String
        else { return nil }
        return SignedAuditCheckpoint(statement: statement, signature: signature, publicKey: publicKey)
    }
}
