import Synchronization

/// One timer for every bounded PostgreSQL operation of the process (`PostgresDeadline`): operations register a
/// deadline and a check, and one task wakes every `tick` while any is registered, calling the checks whose deadline
/// passed. It stops when nothing is registered and starts again with the next registration, so an idle server has no
/// timer running. A deadline is met to within a tick (the limits are seconds; a tick is 50 ms).
final class PostgresWatchdog: Sendable {
    static let shared = PostgresWatchdog()

    /// Names one registration (to `forget` it).
    struct Watch: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    /// Called once the deadline passed, with the time; answers a later deadline to be called again, or `nil`.
    typealias Check = @Sendable (ContinuousClock.Instant) -> ContinuousClock.Instant?

    private struct Entry {
        var deadline: ContinuousClock.Instant
        let check: Check
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var next: UInt64 = 0
        var running = false
    }

    let tick: Duration
    private let state = Mutex(State())

    init(tick: Duration = .milliseconds(50)) {
        self.tick = tick
    }

    /// Calls `check` once `deadline` passed (and again at each later deadline it answers) until it answers `nil` or
    /// the registration is forgotten.
    func watch(until deadline: ContinuousClock.Instant, _ check: @escaping Check) -> Watch {
        let (id, start) = state.withLock { state -> (UInt64, Bool) in
            state.next &+= 1
            state.entries[state.next] = Entry(deadline: deadline, check: check)
            defer { state.running = true }
            return (state.next, !state.running)
        }
        if start { Task { await self.run() } }
        return Watch(id: id)
    }

    /// Drops a registration (its operation finished); nothing happens if it already fired.
    func forget(_ watch: Watch) {
        _ = state.withLock { $0.entries.removeValue(forKey: watch.id) }
    }

    /// Registrations not yet fired or forgotten (for tests).
    var watching: Int { state.withLock { $0.entries.count } }

    private func run() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let due = state.withLock { state -> [(UInt64, Entry)]? in
                if state.entries.isEmpty {
                    state.running = false
                    return nil
                }
                let due = state.entries.filter { $0.value.deadline <= now }
                for id in due.keys { state.entries.removeValue(forKey: id) }
                return Array(due)
            }
            guard let due else { return }
            for (id, entry) in due {
                guard let later = entry.check(now) else { continue }
                state.withLock { $0.entries[id] = Entry(deadline: later, check: entry.check) }
            }
        }
    }
}
