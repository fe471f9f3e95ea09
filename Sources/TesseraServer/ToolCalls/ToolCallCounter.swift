import Foundation
import Synchronization

/// Per-task tool-call totals of a server alone on its SQLite database, counted in memory: a call reserves its place in
/// the budget here, without a write (and a hand-off to the database writer) before its decision. The total is stored
/// with every allowed decision, in the transaction of its durable audit record (`AuditEvent.callCount`), as the larger
/// of the stored and the new count; a task this server has not counted yet starts from the stored total.
///
/// So the stored total is never below the calls allowed durably: a restart (or a crash) can only start a task from a
/// count as high as, or higher than, what it used. Servers sharing PostgreSQL count in the database instead
/// (`ToolCatalogueRepository.recordCall`): none of them sees the others' memory.
final class ToolCallCounter: Sendable {
    private struct Entry {
        var calls: Int
        var touched: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Tasks counted before idle ones are forgotten.
    private let capacity: Int
    /// How long a task must have been idle to be forgotten (and later re-read from its stored total); far longer than
    /// any decision takes, so no forgotten count has a reservation still deciding.
    private let idleBeforeForgetting: TimeInterval

    init(capacity: Int = 100_000, idleBeforeForgetting: TimeInterval = 600) {
        self.capacity = capacity
        self.idleBeforeForgetting = idleBeforeForgetting
    }

    /// Reserves one call of `taskID` and returns the task's total with it; `stored` reads the stored total for a task
    /// not counted yet.
    func reserve(taskID: String, now: Date, stored: () async throws -> Int) async throws -> Int {
        if let total = entries.withLock({ entries -> Int? in
            guard var entry = entries[taskID] else { return nil }
            entry.calls += 1
            entry.touched = now
            entries[taskID] = entry
            return entry.calls
        }) {
            return total
        }
        let persisted = try await stored()
        return entries.withLock { entries in
            // Another call of the same task may have started counting while the stored total was read.
            let base = entries[taskID]?.calls ?? persisted
            if entries[taskID] == nil, entries.count >= capacity { forgetIdle(&entries, now: now) }
            entries[taskID] = Entry(calls: base + 1, touched: now)
            return base + 1
        }
    }

    /// Gives back a call reserved by `reserve` that was not authorized.
    func release(taskID: String) {
        entries.withLock { entries in
            guard var entry = entries[taskID], entry.calls > 0 else { return }
            entry.calls -= 1
            entries[taskID] = entry
        }
    }

    /// The number of tasks counted (for tests).
    var count: Int { entries.withLock { $0.count } }

    private func forgetIdle(_ entries: inout [String: Entry], now: Date) {
        let cutoff = now.addingTimeInterval(-idleBeforeForgetting)
        entries = entries.filter { $0.value.touched > cutoff }
    }
}
