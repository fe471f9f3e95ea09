import Synchronization

/// Tells the sink workers that the audit log grew: a counter bumped on every durable batch, which a worker waiting
/// for records watches. The only coupling between the append path and the sinks: one atomic increment.
final class AuditAppendSignal: Sendable {
    private let generation = Atomic<Int>(0)

    /// Called on every durable batch.
    func bump() { generation.add(1, ordering: .relaxed) }

    var current: Int { generation.load(ordering: .relaxed) }

    /// Returns when the log grew after `seen` was read, or after `timeout` (records other servers appended are only
    /// seen by polling). Checks every `step`.
    func wait(after seen: Int, timeout: Duration, step: Duration = .milliseconds(20)) async {
        var waited = Duration.zero
        while waited < timeout, current == seen, !Task.isCancelled {
            try? await Task.sleep(for: step)
            waited += step
        }
    }
}
