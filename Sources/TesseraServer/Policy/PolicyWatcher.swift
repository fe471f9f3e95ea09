import Foundation
import Logging
import ServiceLifecycle
import TesseraAudit

/// Watches the policy folder (its files' sizes and modification times, every `interval`) and reloads the engine
/// on a change or SIGHUP. Each reload attempt is audited; a refused set is logged with file, line and column and
/// the previous set stays active.
struct PolicyWatcher: Service {
    let engine: PolicyEngine
    let audit: AuditLog
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        let hangups = SignalSource.hangups()
        try? await cancelWhenGracefulShutdown {
            var fingerprint = engine.fingerprint()
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let now = engine.fingerprint()
                let signalled = hangups.consume()
                guard now != fingerprint || signalled else { continue }
                fingerprint = now
                await reload()
            }
        }
    }

    private func reload() async {
        let previous = engine.bundle.version
        do throws(PolicyLoadError) {
            let version = try engine.reload()
            guard version != previous else { return }
            logger.notice("policies reloaded", metadata: ["version": "\(version)"])
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.policyReloaded, outcome: .success, actor: "system",
                    details: ["version": .string(version), "previous": .string(previous)]))
        } catch {
            logger.error("policy reload refused; previous set stays active", metadata: ["error": "\(error)"])
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.policyReloadFailed, outcome: .failure, actor: "system",
                    reason: String(error.description.prefix(512)), details: ["active_version": .string(previous)]))
        }
    }
}
