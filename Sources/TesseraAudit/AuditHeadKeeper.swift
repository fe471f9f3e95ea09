/// Keeps the log's durable head somewhere the database cannot reach (a server's data folder): told of every new
/// head on the writer, after the batch is durable and before any of its callers is resumed, so no credential leaves
/// whose record is not covered by the kept head. Must return at once (no flush: `flush()` is called periodically).
public protocol AuditHeadKeeper: Sendable {
    func keep(_ head: AuditHead)
    func flush()
}
