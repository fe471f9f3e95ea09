import Logging
import ServiceLifecycle
import TesseraAudit
import TesseraCore
import TesseraStore

extension TesseraServer {
    /// One delivery worker per configured sink, woken by every durable audit batch of this server.
    func sinkServices() throws -> [any Service] {
        let specs = try configuration.sinks.specs()
        guard !specs.isEmpty else { return [] }
        let signal = AuditAppendSignal()
        audit.observeWrites { _, _ in signal.bump() }
        let holder = audit.sealing?.writer ?? AuditWriterID.make()
        return try specs.map { spec in
            AuditSinkService(
                spec: spec, transport: try spec.makeTransport(), cursors: database.auditSinks, store: database.audit,
                audit: audit, signal: signal, metrics: metrics, configuration: configuration.sinks, holder: holder,
                clock: clock, logger: logger)
        }
    }
}
