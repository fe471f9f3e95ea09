import Foundation
import Synchronization
import Testing

@testable import TesseraServer

@Suite struct ToolCallCounterTests {
    @Test func aTaskStartsFromItsStoredTotalAndCountsOn() async throws {
        let counter = ToolCallCounter()
        let now = Date()
        let reads = Mutex(0)
        let stored: () async throws -> Int = {
            reads.withLock { $0 += 1 }
            return 7
        }
        #expect(try await counter.reserve(taskID: "t1", now: now, stored: stored) == 8)
        #expect(try await counter.reserve(taskID: "t1", now: now, stored: stored) == 9)
        counter.release(taskID: "t1")
        #expect(try await counter.reserve(taskID: "t1", now: now, stored: stored) == 9)
        #expect(reads.withLock { $0 } == 1, "the stored total is read once per task")
        #expect(try await counter.reserve(taskID: "t2", now: now) { 0 } == 1)
    }

    @Test func parallelFirstCallsOfATaskCountEachOnce() async throws {
        let counter = ToolCallCounter()
        let now = Date()
        let totals = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await counter.reserve(taskID: "t", now: now) {
                        await Task.yield()
                        return 10
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(totals.sorted() == Array(11...60))
    }

    @Test func idleTasksAreForgottenOnlyWhenFullAndOnlyIfIdle() async throws {
        let counter = ToolCallCounter(capacity: 2, idleBeforeForgetting: 600)
        let start = Date()
        _ = try await counter.reserve(taskID: "old", now: start) { 0 }
        _ = try await counter.reserve(taskID: "busy", now: start.addingTimeInterval(700)) { 0 }
        _ = try await counter.reserve(taskID: "new", now: start.addingTimeInterval(700)) { 0 }
        #expect(counter.count == 2, "the idle task was forgotten, the busy one kept")
        // A forgotten task starts again from its stored total (which allowed decisions keep at least as high).
        #expect(try await counter.reserve(taskID: "old", now: start.addingTimeInterval(701)) { 4 } == 5)
    }
}
