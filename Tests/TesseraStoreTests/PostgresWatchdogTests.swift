import Synchronization
import TesseraTestSupport
import Testing

@testable import TesseraStore

/// The one timer behind every PostgreSQL deadline: a check runs once its deadline passed (not before), again at the
/// later deadline it answers, never once forgotten, and nothing stays registered.
@Suite struct PostgresWatchdogTests {
    @Test func aCheckRunsAfterItsDeadlineAndAgainWhenItAsksTo() async throws {
        let watchdog = PostgresWatchdog(tick: .milliseconds(5))
        let calls = Mutex<[ContinuousClock.Instant]>([])
        let start = ContinuousClock.now
        let first = start.advanced(by: .milliseconds(60))
        let second = start.advanced(by: .milliseconds(150))
        _ = watchdog.watch(until: first) { now in
            calls.withLock { $0.append(now) }
            return calls.withLock { $0.count } == 1 ? second : nil
        }
        #expect(try await eventually(within: .seconds(2), every: .milliseconds(10)) { calls.withLock { $0.count } == 2 })
        let seen = calls.withLock { $0 }
        #expect(seen[0] >= first, "called before its deadline")
        #expect(seen[1] >= second, "called again before the later deadline")
        #expect(try await eventually(within: .seconds(2), every: .milliseconds(10)) { watchdog.watching == 0 })
        try await Task.sleep(for: .milliseconds(50))
        #expect(calls.withLock { $0.count } == 2, "a check that answered nil runs no more")
    }

    @Test func aForgottenCheckNeverRuns() async throws {
        let watchdog = PostgresWatchdog(tick: .milliseconds(5))
        let ran = Mutex(0)
        let forgotten = watchdog.watch(until: .now.advanced(by: .milliseconds(40))) { _ in
            ran.withLock { $0 += 1 }
            return nil
        }
        let kept = watchdog.watch(until: .now.advanced(by: .milliseconds(80))) { _ in
            ran.withLock { $0 += 10 }
            return nil
        }
        #expect(forgotten != kept)
        watchdog.forget(forgotten)
        #expect(try await eventually(within: .seconds(2), every: .milliseconds(10)) { ran.withLock { $0 } == 10 })
        #expect(watchdog.watching == 0)
        // It starts again for a registration after it stopped.
        _ = watchdog.watch(until: .now) { _ in
            ran.withLock { $0 += 100 }
            return nil
        }
        #expect(try await eventually(within: .seconds(2), every: .milliseconds(10)) { ran.withLock { $0 } == 110 })
    }
}
