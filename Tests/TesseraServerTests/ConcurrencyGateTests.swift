import Synchronization
import Testing

@testable import TesseraServer

@Suite struct ConcurrencyGateTests {
    private final class Peak: Sendable {
        let state = Mutex((now: 0, peak: 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.peak = max($0.peak, $0.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
    }

    @Test func atMostThePermitsRunAtOnceAndEveryBodyRuns() async throws {
        let gate = ConcurrencyGate(permits: 2)
        let peak = Peak()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await gate.run {
                        peak.enter()
                        try await Task.sleep(for: .milliseconds(5))
                        peak.leave()
                        return index
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<20))
        #expect(peak.peak == 2)
    }

    @Test func aFailingBodyGivesItsPermitBack() async throws {
        struct Boom: Error {}
        let gate = ConcurrencyGate(permits: 1)
        await #expect(throws: Boom.self) { try await gate.run { throw Boom() } }
        #expect(try await gate.run { 7 } == 7)
    }
}
