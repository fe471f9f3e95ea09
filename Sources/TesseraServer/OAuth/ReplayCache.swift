import Foundation
import Synchronization

/// Remembers single-use keys (assertion `jti`s) until they expire. Check-and-insert is atomic.
/// The durable copy lives beside the audit record (`ReplayGuard`) and is reloaded on start. With PostgreSQL
/// storage this is the fast first check: a key it lets through is then claimed in the database
/// (`TokenStateRepository.claimReplayKey`), so another server's use of it is a replay too.
public final class ReplayCache: Sendable {
    private struct State {
        var entries: [String: Date] = [:]
        var nextPurge = Date.distantPast
    }

    private let state = Mutex(State())

    public init() {}

    /// Records `key` until `expiresAt`; `false` if it was already seen and has not expired.
    public func insert(_ key: String, expiresAt: Date, now: Date) -> Bool {
        state.withLock { state in
            if let existing = state.entries[key], existing > now { return false }
            state.entries[key] = expiresAt
            // Sweep expired keys at most every ten seconds: a sweep is O(entries).
            if now >= state.nextPurge {
                state.nextPurge = now.addingTimeInterval(10)
                state.entries = state.entries.filter { $0.value > now }
            }
            return true
        }
    }

    /// Loads keys remembered durably.
    public func preload(_ keys: [(key: String, expiresAt: Date)]) {
        state.withLock { state in
            for (key, expiresAt) in keys { state.entries[key] = expiresAt }
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
