import Foundation

/// The result of checking the whole chain.
public struct AuditVerificationReport: Sendable, Equatable {
    /// The first record that fails a check, and why.
    public struct Break: Sendable, Equatable {
        public let seq: Int64
        public let reason: String
    }

    public let recordsChecked: Int64
    public let head: AuditHead?
    public let firstBreak: Break?
    /// Records written before keying (no key, no MAC): with the keys, accepted only when the verifier was told the
    /// database predates keyed audit (`acceptUnkeyedPrefix`), and only before the first keyed record.
    public let legacyRecords: Int64
    /// Records carrying a key id (their MACs were checked when `macsChecked`).
    public let keyedRecords: Int64
    /// Whether MACs were checked (the verifier held the keys derived from the KEK).
    public let macsChecked: Bool
    /// Checkpoint records in the chain, signatures checked.
    public let checkpointsInLog: Int
    /// The newest checkpoint in the chain.
    public let lastCheckpoint: AuditCheckpoint?
    /// Checkpoints given from outside the database, checked against the chain.
    public let externalCheckpoints: Int
    /// The highest sequence an outside checkpoint pins.
    public let externalCheckpointSeq: Int64?
    /// The fingerprint of the key the checkpoints are signed with.
    public let checkpointKeyFingerprint: String?

    public var isIntact: Bool { firstBreak == nil }
}

/// Walks the chain from the first record and checks sequence, linkage, hashes and the recorded head; with a keyring,
/// every keyed record's MAC and the head's MAC; every checkpoint record's signature and what it binds; and, given
/// checkpoints kept outside the database, that every record they pin is still there, unchanged.
public struct AuditVerifier: Sendable {
    private let store: any AuditRecordStore
    private let pageSize: Int
    private let keyring: AuditKeyring?
    private let checkpoints: [SignedAuditCheckpoint]
    private let checkpointKey: AuditCheckpointKey?
    private let acceptUnkeyedPrefix: Bool

    /// - Parameters:
    ///   - keyring: the keys derived from the KEK; without it MACs are not checked (`macsChecked` is false).
    ///   - checkpoints: checkpoints kept outside the database (file, HTTP sink, log stream).
    ///   - checkpointKey: the pinned checkpoint key when there is no keyring (else the keyring's key is pinned; with
    ///     neither, the first checkpoint's key is, and the report names its fingerprint to compare out of band).
    ///   - acceptUnkeyedPrefix: with a keyring, accept unkeyed records at the start of the chain (a database written
    ///     before keyed audit). Off by default: a database writer without the KEK can strip every key and MAC,
    ///     re-chain with the public hash and clear the head MAC, so an unkeyed chain proves nothing.
    public init(
        store: any AuditRecordStore, keyring: AuditKeyring? = nil, checkpoints: [SignedAuditCheckpoint] = [],
        checkpointKey: AuditCheckpointKey? = nil, acceptUnkeyedPrefix: Bool = false, pageSize: Int = 5000
    ) {
        self.acceptUnkeyedPrefix = acceptUnkeyedPrefix
        self.store = store
        self.pageSize = pageSize
        self.keyring = keyring
        self.checkpoints = checkpoints
        self.checkpointKey = checkpointKey
    }

    public func verify() async throws -> AuditVerificationReport {
        var walk = AuditChainWalk(
            keyring: keyring, pinnedKey: keyring?.checkpointKey ?? checkpointKey, acceptUnkeyedPrefix: acceptUnkeyedPrefix)
        if let failure = walk.pin(checkpoints) { return walk.report(failure) }
        var expectedSeq: Int64 = 1
        while true {
            let page = try await store.records(after: expectedSeq - 1, limit: pageSize)
            if page.isEmpty { break }
            for record in page {
                if let reason = walk.check(record, expectedSeq: expectedSeq) {
                    return walk.report(.init(seq: record.seq, reason: reason))
                }
                expectedSeq += 1
            }
        }
        // Outside checkpoints first: they prove a deleted tail whatever the attacker did to the head.
        if let failure = walk.checkPinnedTail() { return walk.report(failure) }
        let recorded = try await store.recordedHead()
        let last = walk.last
        if recorded != last {
            let seq = recorded?.seq ?? 0
            let reason =
                recorded.map { "recorded head is seq \($0.seq) but the chain ends at seq \(last?.seq ?? 0): records are missing" }
                ?? "records exist but no head was recorded"
            return walk.report(.init(seq: seq, reason: reason))
        }
        if let failure = walk.checkHead(try await store.recordedHeadMAC()) { return walk.report(failure) }
        return walk.report(nil)
    }
}

/// The state of one verification pass, record by record.
struct AuditChainWalk {
    let keyring: AuditKeyring?
    var pinnedKey: AuditCheckpointKey?
    let acceptUnkeyedPrefix: Bool
    var prev = AuditRecord.genesisHash
    var checked: Int64 = 0
    var last: AuditHead?
    var lastKeyID: String?
    var firstKeyed: Int64?
    var legacy: Int64 = 0
    var keyed: Int64 = 0
    var inLog = 0
    var lastCheckpoint: AuditCheckpoint?
    /// seq → (hash, when) from outside checkpoints.
    var pinned: [Int64: (hash: String, time: String)] = [:]
    var external = 0

    init(keyring: AuditKeyring?, pinnedKey: AuditCheckpointKey?, acceptUnkeyedPrefix: Bool = false) {
        self.keyring = keyring
        self.pinnedKey = pinnedKey
        self.acceptUnkeyedPrefix = acceptUnkeyedPrefix
    }

    func report(_ failure: AuditVerificationReport.Break?) -> AuditVerificationReport {
        AuditVerificationReport(
            recordsChecked: checked, head: last, firstBreak: failure, legacyRecords: legacy, keyedRecords: keyed,
            macsChecked: keyring != nil, checkpointsInLog: inLog, lastCheckpoint: lastCheckpoint,
            externalCheckpoints: external, externalCheckpointSeq: pinned.keys.max(),
            checkpointKeyFingerprint: pinnedKey?.fingerprint)
    }

    /// Checks the outside checkpoints' signatures and keeps what they pin.
    mutating func pin(_ checkpoints: [SignedAuditCheckpoint]) -> AuditVerificationReport.Break? {
        for signed in checkpoints {
            let statement = signed.checkpoint
            if let reason = checkSignature(signed) {
                return .init(seq: statement.seq, reason: "outside checkpoint for seq \(statement.seq): \(reason)")
            }
            if let earlier = pinned[statement.seq], earlier.hash != statement.hash {
                return .init(
                    seq: statement.seq,
                    reason: "two outside checkpoints disagree on record \(statement.seq) (\(earlier.time) and \(statement.time))")
            }
            if statement.seq > 0 { pinned[statement.seq] = (statement.hash, statement.time) }
            external += 1
        }
        return nil
    }

    /// A checkpoint's signature under the pinned key (pinning the first key seen when nothing was pinned).
    mutating func checkSignature(_ signed: SignedAuditCheckpoint) -> String? {
        guard signed.isSelfConsistent else { return "its signature does not verify" }
        guard let pinnedKey else {
            pinnedKey = signed.key
            return nil
        }
        guard signed.key == pinnedKey else {
            return "signed by \(signed.key.fingerprint), not the audit checkpoint key \(pinnedKey.fingerprint)"
        }
        return nil
    }

    /// Checks one record; nil when it holds.
    mutating func check(_ record: AuditRecord, expectedSeq: Int64) -> String? {
        guard record.seq == expectedSeq else {
            return "expected seq \(expectedSeq), found \(record.seq): a record is missing"
        }
        guard record.prevHash == prev else { return "prev_hash does not match the previous record's hash" }
        guard AuditRecord.digest(record.body) == record.hash else { return "hash does not match the record body" }
        guard let content = try? record.content() else { return "record body is not valid JSON" }
        guard content.seq == record.seq, content.prev == record.prevHash else {
            return "record body disagrees with its seq or prev_hash column"
        }
        if let pin = pinned[record.seq], pin.hash != record.hash {
            return "record \(record.seq) is not the one the outside checkpoint of \(pin.time) pins: it was rewritten"
        }
        if let reason = checkKey(record, content) { return reason }
        if content.type == AuditLog.checkpointType, let reason = checkCheckpointRecord(record, content) { return reason }
        checked += 1
        prev = record.hash
        last = AuditHead(seq: record.seq, hash: record.hash)
        return nil
    }

    private mutating func checkKey(_ record: AuditRecord, _ content: AuditRecordContent) -> String? {
        guard let keyID = content.key else {
            if record.mac != nil { return "a MAC on a record that names no key" }
            if let firstKeyed {
                return "record has no key or MAC although records are keyed since seq \(firstKeyed): "
                    + "written or re-chained without the key"
            }
            if keyring != nil && !acceptUnkeyedPrefix {
                return "record has no key or MAC: written or re-chained without the key (a database from before keyed "
                    + "audit verifies with --accept-unkeyed-prefix)"
            }
            legacy += 1
            return nil
        }
        if firstKeyed == nil { firstKeyed = record.seq }
        keyed += 1
        lastKeyID = keyID
        guard let keyring else { return nil }
        guard keyring.holds(keyID) else { return "keyed with \(keyID), a key this KEK does not derive (another KEK?)" }
        guard let mac = record.mac else { return "keyed record without its MAC" }
        guard mac == keyring.recordMAC(hash: record.hash, keyID: keyID) else {
            return "MAC does not match: the record was changed, inserted or re-chained without the key"
        }
        return nil
    }

    private mutating func checkCheckpointRecord(_ record: AuditRecord, _ content: AuditRecordContent) -> String? {
        guard let signed = SignedAuditCheckpoint(details: content.details) else { return "checkpoint record is malformed" }
        if let reason = checkSignature(signed) { return "checkpoint record: \(reason)" }
        let statement = signed.checkpoint
        guard statement.seq == record.seq - 1, statement.hash == record.prevHash else {
            return "checkpoint record does not bind the record before it"
        }
        inLog += 1
        lastCheckpoint = statement
        return nil
    }

    /// The recorded head's MAC, when the chain ends on a keyed record and the keys are known.
    func checkHead(_ mac: String?) -> AuditVerificationReport.Break? {
        guard let keyring, let last, let lastKeyID else { return nil }
        guard let mac, mac == keyring.headMAC(last, keyID: lastKeyID) else {
            return .init(
                seq: last.seq,
                reason: "the recorded head (seq \(last.seq)) has no valid MAC: it was moved, e.g. after deleting the tail")
        }
        return nil
    }

    /// Outside checkpoints pinning records past the end of the chain: the tail was deleted.
    func checkPinnedTail() -> AuditVerificationReport.Break? {
        let end = last?.seq ?? 0
        guard let highest = pinned.keys.max(), highest > end, let pin = pinned[highest] else { return nil }
        return .init(
            seq: end + 1,
            reason: (highest == end + 1 ? "record \(highest) was removed" : "records \(end + 1)...\(highest) were removed")
                + ": the outside checkpoint of \(pin.time) pins seq \(highest) but the chain ends at seq \(end)")
    }
}
