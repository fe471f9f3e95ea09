import Foundation
import TesseraAudit
import TesseraCore

/// Read-only queries of the web console that must stay fast at a million identities and millions of audit
/// records: keyset pages on indexes, never `OFFSET`, never a full scan.
public protocol ConsoleReader: Sendable {
    /// A page of identities ordered by SPIFFE ID.
    func identities(_ query: ConsoleIdentityQuery) async throws -> [Identity]
    /// Audit records, newest first, matching `query`, with the cursor to continue from.
    func auditRecords(_ query: ConsoleAuditQuery) async throws -> ConsoleAuditPage
    /// The inventory grouped for the Overview (one scan; callers cache it).
    func inventorySummary(now: Date) async throws -> InventorySummary
}

/// Inventory search: a SPIFFE ID prefix and exact filters, one page after a SPIFFE ID cursor.
public struct ConsoleIdentityQuery: Sendable, Equatable {
    /// SPIFFE IDs starting with this (served by the `spiffe_id` index as a range).
    public var spiffeIDPrefix: String?
    public var kind: String?
    public var owner: String?
    public var environment: String?
    public var status: String?
    /// Return identities whose SPIFFE ID sorts after this one.
    public var after: String?
    /// Page size, 1...200.
    public var limit: Int

    public init(
        spiffeIDPrefix: String? = nil, kind: String? = nil, owner: String? = nil, environment: String? = nil,
        status: String? = nil, after: String? = nil, limit: Int = 50
    ) {
        self.spiffeIDPrefix = spiffeIDPrefix
        self.kind = kind
        self.owner = owner
        self.environment = environment
        self.status = status
        self.after = after
        self.limit = limit
    }
}

/// Audit timeline filters. Records are read newest first from `before` (exclusive) down to `before - window`:
/// every request does bounded work; the page's `nextBefore` continues where it stopped.
public struct ConsoleAuditQuery: Sendable, Equatable {
    /// Exact `subject` (indexed).
    public var subject: String?
    /// Exact `task` (indexed).
    public var task: String?
    /// Records whose `type` starts with this (e.g. `token.`).
    public var typePrefix: String?
    /// Only records with `seq` below this; `nil` = from the newest.
    public var before: Int64?
    public var limit: Int
    /// How many sequence numbers one request may look through.
    public var window: Int64

    public init(
        subject: String? = nil, task: String? = nil, typePrefix: String? = nil, before: Int64? = nil, limit: Int = 50,
        window: Int64? = nil
    ) {
        self.subject = subject
        self.task = task
        self.typePrefix = typePrefix
        self.before = before
        self.limit = limit
        // Indexed lookups touch only matching rows: a wide window is cheap. A type prefix alone is a scan.
        self.window = window ?? (subject != nil || task != nil ? 1_000_000 : 20_000)
    }
}

/// One page of the timeline.
public struct ConsoleAuditPage: Sendable {
    public let records: [AuditRecord]
    /// Pass as `before` for older records; `nil` when the start of the chain was reached.
    public let nextBefore: Int64?
    /// The newest sequence number when the page was read.
    public let headSeq: Int64

    public init(records: [AuditRecord], nextBefore: Int64?, headSeq: Int64) {
        self.records = records
        self.nextBefore = nextBefore
        self.headSeq = headSeq
    }
}
