import Logging
import Synchronization
import TesseraCore
import TesseraStore

/// Every half second: expires due tasks (revoking their leases), records exception expiries and destroys the
/// dynamic secrets of revoked or expired leases; every minute sweeps roles a crash left behind; every five
/// seconds publishes the live lease count.
struct DeadlineExpirer: Sendable {
    let tasks: TaskService
    let exceptions: ExceptionService
    let secrets: DynamicSecretsService?
    let leases: any TaskRepository
    let metrics: ServerMetrics
    let clock: any TimeSource

    /// The loop, as a service of the server's group.
    func service(logger: Logger) -> PeriodicService {
        let ticks = TickCounter()
        var service = PeriodicService(name: "deadline expiry", interval: .milliseconds(500), runsAtStart: true, logger: logger) {
            let tick = ticks.next()
            await tasks.expireDue()
            await exceptions.recordExpiries()
            await secrets?.releaseDue()
            if tick % 120 == 0 { await secrets?.repairOrphans() }
            if tick % 10 == 0, let live = try? await leases.liveLeaseCount(now: clock.now()) { metrics.activeLeases(live) }
        }
        // The dynamic secrets' pooled admin sessions close with the loop that uses them.
        let manager = secrets?.manager
        service.onShutdown = { await manager?.shutdown() }
        return service
    }
}

/// Counts the expirer's ticks (the loop's closure is `Sendable`).
private final class TickCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { count in
            defer { count += 1 }
            return count
        }
    }
}
