import Crypto
import Foundation
import TesseraCore

/// One entry of the hash chain. `body` is the canonical JSON that was hashed; it embeds `prev`, so
/// `hash = SHA-256(body)` links every record to the one before it. A keyed record names its key and writer in
/// `body` and carries `mac`, an HMAC of `hash` under a key derived from the KEK (see `AuditKeyring`).
public struct AuditRecord: Sendable, Equatable {
    /// The record's place in the whole log (every chain), the order readers (sinks, posture, the console) follow. On
    /// SQLite and in the unnamed chain it is also `chainSeq`; on PostgreSQL a named chain's records get theirs from
    /// the sequencer after they are durable (`AuditRecordStore.sequence`), and a record just made carries its
    /// `chainSeq` here until then. Not hashed.
    public let seq: Int64
    /// The chain the record belongs to ("" is the unnamed chain: SQLite's only one, and every record written before
    /// named chains existed). Hashed (the body's `chain`, omitted when "").
    public let chain: String
    /// The record's place in its chain: 1 for its first record, `prevHash` is the hash of `chainSeq - 1`. Hashed (the
    /// body's `seq`).
    public let chainSeq: Int64
    public let prevHash: String
    public let hash: String
    public let body: String
    /// HMAC-SHA256 of `hash` under the key the body names (`key`); nil on legacy (unkeyed) records.
    public let mac: String?
    /// Not stored with the record: when the record is the last of its batch, the MAC of the head it becomes.
    public let headMAC: String?
    /// Not hashed: stored beside the record (see `AuditEvent.replayGuard`).
    public let replayGuard: ReplayGuard?
    /// Not hashed: the lease written beside the record (see `AuditEvent.lease`).
    public let lease: Lease?
    /// Not hashed: the tool-call count written beside the record (see `AuditEvent.callCount`).
    public let callCount: ToolCallCount?

    public init(
        seq: Int64, chain: String = "", chainSeq: Int64? = nil, prevHash: String, hash: String, body: String,
        mac: String? = nil, headMAC: String? = nil, replayGuard: ReplayGuard? = nil, lease: Lease? = nil,
        callCount: ToolCallCount? = nil
    ) {
        self.callCount = callCount
        self.chain = chain
        self.chainSeq = chainSeq ?? seq
        self.mac = mac
        self.headMAC = headMAC
        self.lease = lease
        self.seq = seq
        self.prevHash = prevHash
        self.hash = hash
        self.body = body
        self.replayGuard = replayGuard
    }

    /// The `prev` of the first record.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Whether `name` can name a chain: 1–64 ASCII letters, digits, `.`, `_` or `-`.
    public static func isValidChainName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                $0.isASCIIAlphanumeric || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
    }

    /// A valid chain name made from `text` (a host name): other characters become `-`, cut to 64.
    public static func chainName(from text: String) -> String {
        let bytes = text.utf8.prefix(64).map { byte -> UInt8 in
            byte.isASCIIAlphanumeric || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") ? byte : UInt8(ascii: "-")
        }
        return bytes.isEmpty ? "tessera" : String(decoding: bytes, as: UTF8.self)
    }

    /// Builds the record that follows `prevHash` at `seq` of `chain`: keyed and attributed to the writer when `sealing`
    /// is given, with the head MAC when `sealsHead` (the last record of a batch).
    public static func make(
        seq: Int64, chain: String = "", prevHash: String, time: Date, event: AuditEvent, sealing: AuditSealing? = nil,
        sealsHead: Bool = false
    ) throws -> AuditRecord {
        let keyID = sealing?.keyring.current.id
        let content = AuditRecordContent(
            seq: seq, time: ISO8601.format(time.roundedToMilliseconds), type: event.type, outcome: event.outcome,
            actor: event.actor, subject: event.subject, reason: event.reason, task: event.task, details: event.details,
            prev: prevHash, key: keyID, writer: sealing?.writer, chain: chain.isEmpty ? nil : chain)
        let body = content.canonicalJSON()
        let hash = digest(body)
        var mac: String?
        var headMAC: String?
        if let sealing, let keyID {
            mac = sealing.keyring.recordMAC(hash: hash, keyID: keyID)
            if sealsHead {
                headMAC = sealing.keyring.headMAC(AuditHead(seq: seq, hash: hash), keyID: keyID, chain: chain)
            }
        }
        return AuditRecord(
            seq: seq, chain: chain, chainSeq: seq, prevHash: prevHash, hash: hash, body: body, mac: mac, headMAC: headMAC,
            replayGuard: event.replayGuard, lease: event.lease, callCount: event.callCount)
    }

    /// SHA-256 of `body`, lowercase hex.
    public static func digest(_ body: String) -> String {
        Hex.encode(SHA256.hash(data: Data(body.utf8)))
    }

    /// The decoded fields of `body`.
    public func content() throws -> AuditRecordContent {
        try JSONDecoder().decode(AuditRecordContent.self, from: Data(body.utf8))
    }

    /// The record as one JSON line for export: its fields plus `hash` (and `mac` when keyed), and, for a named chain's
    /// record, its place in the whole log (`log_seq`; its `seq` is its place in its chain).
    public func exportLine() -> String {
        String(body.dropLast()) + ",\"hash\":\"\(hash)\"" + (mac.map { ",\"mac\":\"\($0)\"" } ?? "")
            + (chain.isEmpty ? "" : ",\"log_seq\":\(seq)") + "}"
    }
}

/// The hashed fields of an audit record.
public struct AuditRecordContent: Sendable, Codable, Equatable {
    /// The record's place in its chain.
    public let seq: Int64
    public let time: String
    public let type: String
    public let outcome: AuditEvent.Outcome
    public let actor: String?
    public let subject: String?
    public let reason: String?
    public let task: String?
    public let details: [String: AuditValue]
    public let prev: String
    /// The id of the MAC key (absent on legacy, unkeyed records).
    public let key: String?
    /// The server instance that appended the record (absent on legacy records).
    public let writer: String?
    /// The chain the record belongs to (absent for the unnamed chain).
    public let chain: String?

    public init(
        seq: Int64, time: String, type: String, outcome: AuditEvent.Outcome, actor: String?, subject: String?,
        reason: String?, task: String?, details: [String: AuditValue], prev: String, key: String? = nil,
        writer: String? = nil, chain: String? = nil
    ) {
        self.chain = chain
        self.seq = seq
        self.time = time
        self.type = type
        self.outcome = outcome
        self.actor = actor
        self.subject = subject
        self.reason = reason
        self.task = task
        self.details = details
        self.prev = prev
        self.key = key
        self.writer = writer
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

extension Date {
    var roundedToMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
