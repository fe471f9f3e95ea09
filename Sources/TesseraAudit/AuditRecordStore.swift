/// The last record of the chain.
public struct AuditHead: Sendable, Equatable {
    public let seq: Int64
    public let hash: String

    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}

/// Durable storage for the audit chain. Implementations must make `append` atomic and durable
/// (fsync'd) before returning: the token service hands out nothing until it does.
public protocol AuditRecordStore: Sendable {
    /// The head written together with the last append (detects truncation of the tail).
    func recordedHead() async throws -> AuditHead?
    /// The MAC stored with the recorded head (`AuditRecord.headMAC` of the batch that moved it there), if any.
    func recordedHeadMAC() async throws -> String?
    /// Appends records (with their MACs) in one transaction and moves the recorded head to the last one, storing
    /// its `headMAC`.
    func append(_ records: [AuditRecord]) async throws
    /// Records with `seq > after`, in order, at most `limit`.
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
