import Foundation

/// Where one audit sink stands: the last chain sequence number it received, and which server delivers to it.
public struct AuditSinkCursor: Sendable, Equatable {
    /// The sink's name (`?name=` of its URL, or the URL without its query).
    public let sink: String
    /// The last audit record (chain `seq`) the sink acknowledged; 0 before the first.
    public let deliveredSeq: Int64
    /// The server instance delivering to the sink, while its lease runs.
    public let holder: String?
    /// When the holder's lease ends unless renewed.
    public let leaseExpiresAt: Date?
    /// When the cursor last moved or its lease was renewed.
    public let updatedAt: Date

    public init(sink: String, deliveredSeq: Int64, holder: String?, leaseExpiresAt: Date?, updatedAt: Date) {
        self.sink = sink
        self.deliveredSeq = deliveredSeq
        self.holder = holder
        self.leaseExpiresAt = leaseExpiresAt
        self.updatedAt = updatedAt
    }
}

/// The durable outbox of the audit sinks: one cursor per sink, advanced only after a batch was delivered, and a
/// lease so that of several servers sharing the storage one at a time delivers to each sink.
public protocol AuditSinkCursorRepository: Sendable {
    /// Takes or renews the lease on `sink` for `holder` until `until` and returns the sink's delivered sequence
    /// number; `nil` while another holder's lease has not expired at `now`. A sink never seen starts at 0.
    func acquire(sink: String, holder: String, until: Date, now: Date) async throws -> Int64?
    /// Moves the cursor of `sink` to `seq` and renews the lease, if `holder` still holds it; `false` when another
    /// server took the sink over (the batch may then reach the sink twice: at-least-once).
    func advance(sink: String, holder: String, to seq: Int64, until: Date, now: Date) async throws -> Bool
    /// Gives up the lease (clean shutdown), so another server takes the sink over at once.
    func release(sink: String, holder: String) async throws
    /// Every sink's cursor, by name.
    func cursors() async throws -> [AuditSinkCursor]
}
