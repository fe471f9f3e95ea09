import Foundation
import Synchronization

/// A revision number bumped whenever something an agent serves may have changed (an identity suspended or
/// retired, an entry added or removed, an SVID lease revoked). Agents long-poll it so revocation reaches
/// the Workload API within a fraction of a second instead of at the next periodic sync. With several servers,
/// a bump is published (`onBump`) and the others bump theirs (`bumpLocally`), so an agent attached to any
/// server hears of a revocation made on another.
final class ChangeFeed: Sendable {
    private let revision = Atomic<UInt64>(1)
    private let onBump: (@Sendable () -> Void)?

    init(onBump: (@Sendable () -> Void)? = nil) { self.onBump = onBump }

    var current: UInt64 { revision.load(ordering: .acquiring) }

    func bump() {
        bumpLocally()
        onBump?()
    }

    /// Bumps without telling other servers (the change came from one of them).
    func bumpLocally() { revision.add(1, ordering: .releasing) }

    /// Returns the revision once it differs from `since`, or the current one after `timeout`.
    func wait(since: UInt64, timeout: Duration) async -> UInt64 {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline, !Task.isCancelled {
            let value = current
            if value != since { return value }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return current
    }
}
