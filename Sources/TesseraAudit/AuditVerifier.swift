import Foundation

/// The result of checking every chain of the log.
public struct AuditVerificationReport: Sendable, Equatable {
    /// The first record that fails a check, and why.
    public struct Break: Sendable, Equatable {
        /// The record's place in its chain.
        public let seq: Int64
        public let reason: String
        /// The chain it is in ("" for the unnamed chain).
        public let chain: String

        public init(seq: Int64, reason: String, chain: String = "") {
            self.seq = seq
            self.reason = reason
            self.chain = chain
        }
    }

    public let recordsChecked: Int64
    /// The unnamed chain's head when it has one, else the only chain's head (see `heads` for every chain).
    public let head: AuditHead?
    /// Every chain's last record as verified.
    public let heads: [String: AuditHead]
    public let firstBreak: Break?
    /// Records written before keying (no key, no MAC): with the keys, accepted only when the verifier was told the
    /// database predates keyed audit (`acceptUnkeyedPrefix`), and only before the first keyed record of their chain.
    public let legacyRecords: Int64
    /// Records carrying a key id (their MACs were checked when `macsChecked`).
    public let keyedRecords: Int64
    /// Whether MACs were checked (the verifier held the keys derived from the KEK).
    public let macsChecked: Bool
    /// Checkpoint records in the log, signatures checked.
    public let checkpointsInLog: Int
    /// The newest checkpoint in the log (by its statement's time).
    public let lastCheckpoint: AuditCheckpoint?
    /// Checkpoints given from outside the database, checked against the log.
    public let externalCheckpoints: Int
    /// The highest sequence an outside checkpoint pins (in any chain).
    public let externalCheckpointSeq: Int64?
    /// The fingerprint of the key the checkpoints are signed with.
    public let checkpointKeyFingerprint: String?

    public var isIntact: Bool { firstBreak == nil }
}

/// Walks every chain of the log from its first record and checks sequence, linkage, hashes and the chain's recorded
/// head; with a keyring, every keyed record's MAC and each head's MAC; every checkpoint record's signature and what it
/// binds, including every other chain's head it names (a chain whose records below a named head were removed, or
/// which was removed entirely, fails); and, given checkpoints kept outside the database, that every record they pin is
/// still there, unchanged.
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
    ///   - acceptUnkeyedPrefix: with a keyring, accept unkeyed records at the start of a chain (a database written
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
        // Every head that a checkpoint in the log names, in whichever chain: pinned like an outside checkpoint's, so
        // each named record must be there unchanged, whichever chain is walked first.
        for record in try await store.checkpointRecords() {
            if let failure = walk.pin(inLog: record) { return walk.report(failure) }
        }
        // Readers follow `seq`: every durable record gets one first, then every chain must hold them in its order.
        try await store.sequence(wait: true)
        let problems = try await store.orderProblems()
        if problems.unplaced > 0 || problems.duplicateSeqs > 0 {
            let reason =
                problems.unplaced > 0
                ? "\(problems.unplaced) row(s) have no place in any chain (no chain_seq, no seq): not written by Tessera"
                : "\(problems.duplicateSeqs) seq value(s) are held by more than one record: readers would skip records"
            return walk.report(.init(seq: 0, reason: reason))
        }
        let heads = try await currentHeads()
        let chains = Set(try await store.chains()).union(heads.keys).union(walk.pinned.keys).sorted()
        for chain in chains {
            walk.start(chain)
            var after: Int64 = 0
            var recorded = heads[chain]
            while true {
                // Sequenced just before each page: only records appended since may lack a place in the log's order,
                // and within one page (one snapshot) they are the chain's newest.
                try await store.sequence(wait: true)
                let page = try await store.records(chain: chain, after: after, limit: pageSize)
                walk.sawUnsequenced = false
                if page.isEmpty {
                    // A running server may have appended since the heads were read: the head read now is at or past
                    // every record walked (records and head commit together), so walk on until it is reached.
                    guard recorded?.head != walk.last, let now = try await currentHeads()[chain], now != recorded
                    else { break }
                    recorded = now
                    if now.head.seq <= (walk.last?.seq ?? 0) { break }
                }
                for record in page {
                    if let reason = walk.check(record, expectedSeq: after + 1) {
                        return walk.report(.init(seq: record.chainSeq, reason: reason, chain: chain))
                    }
                    after += 1
                }
            }
            if let failure = walk.finish(recorded: recorded) { return walk.report(failure) }
        }
        return walk.report(nil)
    }

    private func currentHeads() async throws -> [String: AuditChainHead] {
        Dictionary(try await store.chainHeads().map { ($0.chain, $0) }) { first, _ in first }
    }

    static func name(_ chain: String) -> String { chain.isEmpty ? "(unnamed)" : chain }
}

/// The state of one verification pass, chain by chain and record by record.
struct AuditChainWalk {
    let keyring: AuditKeyring?
    var pinnedKey: AuditCheckpointKey?
    let acceptUnkeyedPrefix: Bool
    /// The chain being walked and its state.
    var chain = ""
    var prev = AuditRecord.genesisHash
    var last: AuditHead?
    var lastKeyID: String?
    var firstKeyed: Int64?
    /// Every walked chain's last record.
    var heads: [String: AuditHead] = [:]
    var checked: Int64 = 0
    var legacy: Int64 = 0
    var keyed: Int64 = 0
    var inLog = 0
    var lastCheckpoint: AuditCheckpoint?
    /// chain → seq → (hash, which checkpoint) from outside checkpoints and the checkpoint records in the log.
    var pinned: [String: [Int64: (hash: String, source: String)]] = [:]
    var external = 0
    /// The highest sequence an outside checkpoint pins.
    var externalSeq: Int64?
    /// The previous record's place in the log's order (`seq`) in the chain being walked, and whether a record without
    /// one was seen (only the newest records of a chain may still wait for the sequencer).
    var lastLogSeq: Int64 = 0
    var sawUnsequenced = false

    init(keyring: AuditKeyring?, pinnedKey: AuditCheckpointKey?, acceptUnkeyedPrefix: Bool = false) {
        self.keyring = keyring
        self.pinnedKey = pinnedKey
        self.acceptUnkeyedPrefix = acceptUnkeyedPrefix
    }

    func report(_ failure: AuditVerificationReport.Break?) -> AuditVerificationReport {
        AuditVerificationReport(
            recordsChecked: checked, head: heads[""] ?? (heads.count == 1 ? heads.first?.value : nil), heads: heads,
            firstBreak: failure, legacyRecords: legacy, keyedRecords: keyed,
            macsChecked: keyring != nil, checkpointsInLog: inLog, lastCheckpoint: lastCheckpoint,
            externalCheckpoints: external, externalCheckpointSeq: externalSeq,
            checkpointKeyFingerprint: pinnedKey?.fingerprint)
    }

    /// Checks the outside checkpoints' signatures and keeps what they pin.
    mutating func pin(_ checkpoints: [SignedAuditCheckpoint]) -> AuditVerificationReport.Break? {
        for signed in checkpoints {
            let statement = signed.checkpoint
            if let reason = checkSignature(signed) {
                return .init(
                    seq: statement.seq, reason: "outside checkpoint for seq \(statement.seq): \(reason)",
                    chain: statement.chain ?? "")
            }
            if let failure = pin(statement, source: "the outside checkpoint of \(statement.time)") { return failure }
            for (_, head) in statement.pins { externalSeq = max(externalSeq ?? 0, head.seq) }
            external += 1
        }
        return nil
    }

    /// Keeps what a checkpoint record in the log pins in other chains (its signature checked; a record that is not a
    /// well-formed checkpoint is left to the walk).
    mutating func pin(inLog record: AuditRecord) -> AuditVerificationReport.Break? {
        guard let content = try? record.content(), content.type == AuditLog.checkpointType,
            let signed = SignedAuditCheckpoint(details: content.details), signed.checkpoint.chain != nil
        else { return nil }
        if let reason = checkSignature(signed) {
            return .init(seq: record.chainSeq, reason: "checkpoint record: \(reason)", chain: record.chain)
        }
        let statement = signed.checkpoint
        return pin(statement, source: "the checkpoint of \(statement.time) in chain \(AuditVerifier.name(record.chain))")
    }

    private mutating func pin(_ statement: AuditCheckpoint, source: String) -> AuditVerificationReport.Break? {
        for (chain, head) in statement.pins {
            if let earlier = pinned[chain]?[head.seq], earlier.hash != head.hash {
                return .init(
                    seq: head.seq,
                    reason: "two checkpoints disagree on record \(head.seq) (\(earlier.source) and \(source))", chain: chain)
            }
            pinned[chain, default: [:]][head.seq] = (head.hash, source)
        }
        return nil
    }

    /// Starts walking `chain` from its first record.
    mutating func start(_ chain: String) {
        self.chain = chain
        prev = AuditRecord.genesisHash
        last = nil
        lastKeyID = nil
        firstKeyed = nil
        lastLogSeq = 0
        sawUnsequenced = false
    }

    /// Ends the walk of the current chain: what outside checkpoints pin beyond its end, its recorded head and MAC.
    mutating func finish(recorded: AuditChainHead?) -> AuditVerificationReport.Break? {
        if let last { heads[chain] = last }
        // Outside checkpoints first: they prove a deleted tail whatever the attacker did to the head.
        if let failure = checkPinnedTail() { return failure }
        if recorded?.head != last {
            let seq = recorded?.head.seq ?? 0
            let reason =
                recorded.map {
                    "recorded head is seq \($0.head.seq) but the chain ends at seq \(last?.seq ?? 0): records are missing"
                } ?? "records exist but no head was recorded"
            return .init(seq: seq, reason: reason, chain: chain)
        }
        return checkHead(recorded?.mac)
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

    /// Checks one record of the current chain; nil when it holds.
    mutating func check(_ record: AuditRecord, expectedSeq: Int64) -> String? {
        guard record.chainSeq == expectedSeq else {
            return "expected seq \(expectedSeq), found \(record.chainSeq): a record is missing"
        }
        guard record.prevHash == prev else { return "prev_hash does not match the previous record's hash" }
        guard AuditRecord.digest(record.body) == record.hash else { return "hash does not match the record body" }
        guard let content = try? record.content() else { return "record body is not valid JSON" }
        guard content.seq == record.chainSeq, content.prev == record.prevHash, (content.chain ?? "") == chain else {
            return "record body disagrees with its seq, chain or prev_hash column"
        }
        if let pin = pinned[chain]?[record.chainSeq], pin.hash != record.hash {
            return "record \(record.chainSeq) is not the one \(pin.source) pins: it was rewritten"
        }
        // A reader following `seq` must meet the chain's records in the chain's order (else it can skip one).
        if record.seq > 0 {
            if sawUnsequenced || record.seq <= lastLogSeq {
                return "its place in the log's order (seq \(record.seq)) is not after the chain's previous record's: "
                    + "a reader following seq would skip or repeat records"
            }
            lastLogSeq = record.seq
        } else {
            sawUnsequenced = true
        }
        if let reason = checkKey(record, content) { return reason }
        if content.type == AuditLog.checkpointType, let reason = checkCheckpointRecord(record, content) { return reason }
        checked += 1
        prev = record.hash
        last = AuditHead(seq: record.chainSeq, hash: record.hash)
        return nil
    }

    private mutating func checkKey(_ record: AuditRecord, _ content: AuditRecordContent) -> String? {
        guard let keyID = content.key else {
            if record.mac != nil { return "a MAC on a record that names no key" }
            if let firstKeyed {
                return "record has no key or MAC although records are keyed since seq \(firstKeyed): "
                    + "written or re-chained without the key"
            }
            if keyring != nil && !chain.isEmpty {
                return "record has no key or MAC in a named chain (named chains are keyed from their first record): "
                    + "written or re-chained without the key"
            }
            if keyring != nil && !acceptUnkeyedPrefix {
                return "record has no key or MAC: written or re-chained without the key (a database from before keyed "
                    + "audit verifies with --accept-unkeyed-prefix)"
            }
            legacy += 1
            return nil
        }
        if firstKeyed == nil { firstKeyed = record.chainSeq }
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
        guard statement.seq == record.chainSeq - 1, statement.hash == record.prevHash, (statement.chain ?? chain) == chain
        else {
            return "checkpoint record does not bind the record before it"
        }
        inLog += 1
        if lastCheckpoint.map({ $0.time <= statement.time }) ?? true { lastCheckpoint = statement }
        return nil
    }

    /// The recorded head's MAC, when the chain ends on a keyed record and the keys are known.
    func checkHead(_ mac: String?) -> AuditVerificationReport.Break? {
        guard let keyring, let last, let lastKeyID else { return nil }
        guard let mac, mac == keyring.headMAC(last, keyID: lastKeyID, chain: chain) else {
            return .init(
                seq: last.seq,
                reason: "the recorded head (seq \(last.seq)) has no valid MAC: it was moved, e.g. after deleting the tail",
                chain: chain)
        }
        return nil
    }

    /// Outside checkpoints pinning records past the end of the current chain: the tail was deleted.
    func checkPinnedTail() -> AuditVerificationReport.Break? {
        let end = last?.seq ?? 0
        guard let pins = pinned[chain], let highest = pins.keys.max(), highest > end, let pin = pins[highest] else {
            return nil
        }
        return .init(
            seq: end + 1,
            reason: (highest == end + 1 ? "record \(highest) was removed" : "records \(end + 1)...\(highest) were removed")
                + ": \(pin.source) pins seq \(highest) but the chain "
                + (end == 0 ? "is gone" : "ends at seq \(end)"),
            chain: chain)
    }
}
