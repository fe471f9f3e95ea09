import Foundation
import TesseraCore

/// Authorized tool calls per task in the last minute (a sliding window in memory; it restarts empty with
/// the server, while the per-task totals that budgets use are stored). A call reserves its slot before it is
/// decided, so parallel calls can never all see room that only one of them has.
actor ToolCallRateLimiter {
    private var windows: [String: [Date]] = [:]

    func count(task: String, now: Date) -> Int {
        prune(task: task, now: now)
        return windows[task]?.count ?? 0
    }

    /// Takes a slot in the task's window if fewer than `limit` are taken; returns the slots taken before this one,
    /// or `nil` when the window is full.
    func reserve(task: String, now: Date, limit: Int) -> Int? {
        prune(task: task, now: now)
        let taken = windows[task]?.count ?? 0
        guard taken < limit else { return nil }
        windows[task, default: []].append(now)
        return taken
    }

    /// Gives back a slot taken by `reserve(task:now:limit:)` at `at` (the call was not authorized).
    func release(task: String, at: Date) {
        guard var window = windows[task], let index = window.lastIndex(of: at) else { return }
        window.remove(at: index)
        windows[task] = window.isEmpty ? nil : window
    }

    private func prune(task: String, now: Date) {
        guard var window = windows[task] else { return }
        let cutoff = now.addingTimeInterval(-60)
        window.removeAll { $0 <= cutoff }
        windows[task] = window.isEmpty ? nil : window
    }
}
