import Logging
import ServiceLifecycle
import TesseraAudit

/// Flushes the kept audit head (`AuditHeadWitness.Keeper`) to disk every 200 ms and once more at shutdown, and logs
/// when writing it failed. A failure never stops the server: a remembered head behind the real one only weakens the
/// start-up check, it never makes it refuse a sound chain.
struct AuditHeadWitnessService: Service {
    let keeper: AuditHeadWitness.Keeper
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var reported = 0
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(200))
                keeper.flush()
                if keeper.failed > reported {
                    reported = keeper.failed
                    logger.warning(
                        "audit head not remembered", metadata: ["path": .string(keeper.path), "failures": "\(reported)"])
                }
            }
        }
        keeper.flush()
    }
}
