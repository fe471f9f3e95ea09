import Logging
import ServiceLifecycle

/// A background loop as a lifecycle `Service`: runs `tick` every `interval` until the service group shuts down
/// gracefully or is cancelled. A failing tick is logged and the loop goes on; the first tick runs after one
/// `interval` unless `runsAtStart`.
struct PeriodicService: Service {
    let name: String
    let interval: Duration
    var runsAtStart = false
    let logger: Logger
    let tick: @Sendable () async throws -> Void
    /// Runs once after the loop ended (releasing what the ticks held open).
    var onShutdown: (@Sendable () async -> Void)? = nil

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            if runsAtStart { await runTick() }
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await runTick()
            }
        }
        await onShutdown?()
    }

    private func runTick() async {
        do {
            try await tick()
        } catch is CancellationError {
            return
        } catch {
            logger.warning("\(name) failed: \(String(describing: error).prefix(200))")
        }
    }
}
