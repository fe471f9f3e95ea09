/// The last record of the chain.
public struct AuditHead: Sendable, Equatable {
    public let seq: Int64
    public let hash: String

    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}

/// A chain's recorded head and the MAC stored with it.
public struct AuditChainHead: Sendable, Equatable {
    public let chain: String
    public let head: AuditHead
    public let mac: String?

    public init(chain: String, head: AuditHead, mac: String?) {
        self.chain = chain
        self.head = head
        self.mac = mac
    }
}

/// Durable storage for the audit log: one or more hash chains. Implementations must make `append` atomic and durable
/// (fsync'd) before returning: the token service hands out nothing until it does.
///
/// A store appends to one chain, `chain` (the unnamed chain "" unless the store was opened for a named one): several
/// servers sharing a database each append to their own chain without waiting for each other, and their records get
/// one order across chains afterwards (`sequence`). Reads cover every chain.
public protocol AuditRecordStore: Sendable {
    /// The chain this store appends to.
    var chain: String { get }
    /// The head of `chain` written together with its last append (detects truncation of the tail).
    func recordedHead() async throws -> AuditHead?
    /// The MAC stored with the recorded head (`AuditRecord.headMAC` of the batch that moved it there), if any.
    func recordedHeadMAC() async throws -> String?
    /// Every chain with a recorded head, with its head and MAC.
    func chainHeads() async throws -> [AuditChainHead]
    /// Every chain that has records or a recorded head.
    func chains() async throws -> [String]
    /// Records of `chain` with `chainSeq > after`, in chain order, at most `limit`.
    func records(chain: String, after chainSeq: Int64, limit: Int) async throws -> [AuditRecord]
    /// Gives every durable record not yet in the log's order a `seq` after all others (a no-op where records get it
    /// as they are written); `wait` waits for another server doing it, else a busy sequencer returns at once.
    func sequence(wait: Bool) async throws
    /// Checkpoint records of every chain (their statements name other chains' heads), for verification.
    func checkpointRecords() async throws -> [AuditRecord]
    /// Rows that break the log's order for readers: rows with no place in any chain (never sequenced, never
    /// verified) and `seq` values held by more than one record.
    func orderProblems() async throws -> (unplaced: Int64, duplicateSeqs: Int64)
    /// This store, refusing to chain after a head of its chain that moved back or carries no valid MAC under
    /// `keyring` (a head only moves forward, and only under a KEK holder's hand).
    func guardingHeads(with keyring: AuditKeyring) -> any AuditRecordStore
    /// Appends records (with their MACs) in one transaction and moves the recorded head to the last one, storing
    /// its `headMAC`.
    func append(_ records: [AuditRecord]) async throws
    /// Records with `seq > after`, in the log's order across chains, at most `limit`.
    func records(after seq: Int64, limit: Int) async throws -> [AuditRecord]
    /// Appends records chained after `expected`, atomically, unless another writer moved the head first: then
    /// nothing is written and the actual head is returned, so the caller re-chains the batch and tries again.
    /// Stores shared by several servers (PostgreSQL) serialise this in the database; the default (one
    /// writer per store) just appends.
    func append(_ records: [AuditRecord], after expected: AuditHead?) async throws -> AppendResult
    /// Appends the records `chain` makes after the head, whatever the head is by then, and returns them. `expected`
    /// is the head the caller last saw. The default calls `chain` again after the actual head whenever another writer
    /// moved it (a conditional append each time).
    func append(
        after expected: AuditHead?, chaining chain: @Sendable (AuditHead?) throws -> [AuditRecord]
    ) async throws -> [AuditRecord]
}

/// The outcome of a conditional append.
public enum AppendResult: Sendable, Equatable {
    case appended
    /// Another writer moved the head; nothing was written.
    case headMoved(AuditHead?)
}

extension AuditRecordStore {
    /// Stores without head MACs: none (a keyed chain on such a store fails verification at its head).
    public func recordedHeadMAC() async throws -> String? { nil }

    /// One chain, the unnamed one (stores a single process writes).
    public var chain: String { "" }

    public func chainHeads() async throws -> [AuditChainHead] {
        guard let head = try await recordedHead() else { return [] }
        return [AuditChainHead(chain: chain, head: head, mac: try await recordedHeadMAC())]
    }

    public func chains() async throws -> [String] {
        if try await recordedHead() != nil { return [chain] }
        return try await records(after: 0, limit: 1).isEmpty ? [] : [chain]
    }

    /// One chain whose order is the log's.
    public func records(chain: String, after chainSeq: Int64, limit: Int) async throws -> [AuditRecord] {
        chain == self.chain ? try await records(after: chainSeq, limit: limit) : []
    }

    public func sequence(wait: Bool) async throws {}

    /// One chain: its checkpoints name only its own head, which the walk checks directly.
    public func checkpointRecords() async throws -> [AuditRecord] { [] }

    /// Stores where `seq` is the records' key (SQLite) have neither.
    public func orderProblems() async throws -> (unplaced: Int64, duplicateSeqs: Int64) { (0, 0) }

    /// One writer per store: the head is the log's own (nothing else moves it).
    public func guardingHeads(with keyring: AuditKeyring) -> any AuditRecordStore { self }

    public func append(_ records: [AuditRecord], after expected: AuditHead?) async throws -> AppendResult {
        try await append(records)
        return .appended
    }

    /// Most times a batch is re-chained because other writers moved the head (default implementation).
    static var maximumRechains: Int { 64 }

    public func append(
        after expected: AuditHead?, chaining chain: @Sendable (AuditHead?) throws -> [AuditRecord]
    ) async throws -> [AuditRecord] {
        var head = expected
        for _ in 0..<Self.maximumRechains {
            let records = try chain(head)
            switch try await append(records, after: head) {
            case .appended: return records
            case .headMoved(let actual): head = actual
            }
        }
        throw AuditError(.appendFailed, "the audit head kept moving under other writers")
    }
}

/// A store that appends durably on the calling thread (SQLite). The audit log then builds and commits its batches on
/// one dedicated serial queue: a batch waits for no executor hop between leaving the queue and being durable, and the
/// chaining and hashing do not compete with request handlers for the cooperative thread pool.
public protocol BlockingAuditRecordStore: AuditRecordStore {
    /// Appends the records `chain` makes after the head in one durable transaction, blocking the calling thread, and
    /// returns them (one writer per store: `expected` is the head).
    func appendBlocking(
        after expected: AuditHead?, chaining chain: (AuditHead?) throws -> [AuditRecord]
    ) throws -> [AuditRecord]
}
