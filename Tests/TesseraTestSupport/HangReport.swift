import Foundation
import Synchronization

/// Names a step that is taking far too long, without changing its outcome: if `body` has not returned after
/// `after`, a line goes to standard error, so
/// a lost wake-up points at its step instead of at "no output for 300 s".
public func withHangReport<T>(
    _ label: @autoclosure () -> String, after: Duration = .seconds(60), _ body: () async throws -> T
) async rethrows -> T {
    let done = Atomic<Bool>(false)
    let text = label()
    let reporter = Thread {
        // A plain thread: it must report even when no Swift task can run.
        let deadline = Date().addingTimeInterval(TimeInterval(after.components.seconds))
        while Date() < deadline {
            if done.load(ordering: .acquiring) { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        if !done.load(ordering: .acquiring) {
            FileHandle.standardError.write(Data("HANG REPORT: \(text) has not finished after \(after)\n".utf8))
        }
    }
    reporter.start()
    defer { done.store(true, ordering: .releasing) }
    return try await body()
}
