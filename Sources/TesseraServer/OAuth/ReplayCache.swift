import Foundation
import Synchronization

/// Remembers single-use keys (assertion `jti`s) until they expire. Check-and-insert is atomic.
/// The durable copy lives beside the audit record (`ReplayGuard`) and is reloaded on start. With PostgreSQL
/// storage this is the fast first check: a key it lets through is then claimed in the database
/// (`TokenStateRepository.claimReplayKey`), so another server's use of it is a replay too.
public final class ReplayCache: Sendable {
    private struct State {
        var entries: [String: Date] = [:]
        /// Keys by the ten-second slot their expiry falls in: a sweep visits only slots that have passed, so its cost
        /// is the expired keys, not every key (a sweep of the whole dictionary under the lock stalled every request
        /// once the cache held a few hundred thousand `jti`s under load).
        var slots: [Int64: [String]] = [:]
        var nextPurge = Date.distantPast
    }

    static let slotSeconds: Double = 10

    private let state = Mutex(State())

    public init() {}

    private static func slot(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / slotSeconds).rounded(.down))
    }

    /// Records `key` until `expiresAt`; `false` if it was already seen and has not expired.
    public func insert(_ key: String, expiresAt: Date, now: Date) -> Bool {
        state.withLock { state in
            if let existing = state.entries[key], existing > now { return false }
            state.entries[key] = expiresAt
            state.slots[Self.slot(expiresAt), default: []].append(key)
            if now >= state.nextPurge {
                state.nextPurge = now.addingTimeInterval(Self.slotSeconds)
                Self.purge(&state, now: now)
            }
            return true
        }
    }

    private static func purge(_ state: inout State, now: Date) {
        let current = slot(now)
        for passed in state.slots.keys where passed < current {
            for key in state.slots.removeValue(forKey: passed) ?? [] {
                // A key used again after it expired sits in a later slot too: keep it while that expiry holds.
                if let expiry = state.entries[key], expiry <= now { state.entries.removeValue(forKey: key) }
            }
        }
    }

    /// Loads keys remembered durably.
    public func preload(_ keys: [(key: String, expiresAt: Date)]) {
        state.withLock { state in
            for (key, expiresAt) in keys {
                state.entries[key] = expiresAt
                state.slots[Self.slot(expiresAt), default: []].append(key)
            }
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
