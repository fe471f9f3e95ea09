import Foundation
import TesseraCore

/// Authorized tool calls per task in the last minute (a sliding window in memory; it restarts empty with
/// the server, while the per-task totals that budgets use are stored).
actor ToolCallRateLimiter {
    private var windows: [String: [Date]] = [:]

    func count(task: String, now: Date) -> Int {
        prune(task: task, now: now)
        return windows[task]?.count ?? 0
    }

    func record(task: String, now: Date) {
        prune(task: task, now: now)
        windows[task, default: []].append(now)
    }

    private func prune(task: String, now: Date) {
        guard var window = windows[task] else { return }
        let cutoff = now.addingTimeInterval(-60)
        window.removeAll { $0 <= cutoff }
        windows[task] = window.isEmpty ? nil : window
    }
}
