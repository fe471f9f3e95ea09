import Synchronization

/// How long PostgreSQL audit appends waited for their chain's head row, and how many records they wrote: the time a
/// server spends on cross-server coordination per record (zero while no other server appends to its chain).
public final class AuditChainWaits: Sendable {
    private let totals = Mutex<(seconds: Double, records: Int)>((0, 0))

    public init() {}

    func add(seconds: Double, records: Int) {
        totals.withLock {
            $0.seconds += seconds
            $0.records += records
        }
    }

    /// Seconds waited in all, and records written.
    public var total: (seconds: Double, records: Int) { totals.withLock { $0 } }
}
