import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Counts SIGHUPs so the policy watcher can reload on `kill -HUP`.
final class SignalSource: Sendable {
    private let pending = Atomic<Int>(0)
    private nonisolated(unsafe) var source: (any DispatchSourceSignal)?

    static func hangups() -> SignalSource {
        let counter = SignalSource()
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { counter.pending.add(1, ordering: .relaxed) }
        source.resume()
        counter.source = source
        return counter
    }

    /// Whether a signal arrived since the last call.
    func consume() -> Bool {
        pending.exchange(0, ordering: .relaxed) > 0
    }
}
