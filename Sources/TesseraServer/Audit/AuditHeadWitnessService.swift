import Logging
import ServiceLifecycle
import TesseraAudit

/// Keeps `AuditHeadWitness` at the log's durable head: every 200 ms when it moved, and once more at shutdown. A
/// failed write is logged and retried; it never stops the server (a remembered head behind the real one only
/// weakens the start-up check, it never makes it refuse a sound chain).
struct AuditHeadWitnessService: Service {
    let audit: AuditLog
    let witness: AuditHeadWitness
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var saved: AuditHead? = try? witness.load()
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(200))
                saved = save(unlessAt: saved)
            }
        }
        _ = save(unlessAt: try? witness.load())
    }

    private func save(unlessAt saved: AuditHead?) -> AuditHead? {
        guard let head = audit.head, head != saved, head.seq >= (saved?.seq ?? 0) else { return saved }
        do {
            try witness.save(head)
            return head
        } catch {
            logger.warning("audit head not remembered", metadata: ["reason": "\(error)", "path": .string(witness.path)])
            return saved
        }
    }
}
