/// At most `permits` bodies at once; the others wait their turn, suspended (holding no thread and no database reader).
///
/// For work that holds a scarce resource for seconds: an evidence report scans the whole audit log on one of SQLite's
/// few pool readers, and unbounded parallel reports starved every other read and kept the write-ahead log from being
/// reset (attacker review).
actor ConcurrencyGate {
    private let permits: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) {
        self.permits = max(1, permits)
    }

    /// Runs `body` once a permit is free, and frees it after.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if running < permits {
            running += 1
        } else {
            // The permit is handed over by `leave`, so `running` already counts this body.
            await withCheckedContinuation { waiting.append($0) }
        }
        defer { leave() }
        return try await body()
    }

    private func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
