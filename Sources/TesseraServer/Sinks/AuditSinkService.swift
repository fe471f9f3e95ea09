import Foundation
import Logging
import ServiceLifecycle
import TesseraAudit
import TesseraCore
import TesseraStore

/// Delivers every audit record to one sink, in chain order, at least once (docs/sinks.md).
///
/// The outbox is the audit chain itself plus the sink's durable cursor: the worker reads the records after the
/// cursor, delivers them as one batch, and only then moves the cursor. A sink that is down is retried with
/// exponential backoff from the same cursor, so it receives everything in order when it returns, also across
/// restarts. Issuance never waits for a sink: the append path only bumps `AuditAppendSignal`. Of several servers
/// sharing PostgreSQL, the one holding the sink's lease delivers; the others wait for it to lapse.
struct AuditSinkService: Service {
    let spec: AuditSinkSpec
    let transport: any AuditSinkTransport
    let cursors: any AuditSinkCursorRepository
    let store: any AuditRecordStore
    let audit: AuditLog
    let signal: AuditAppendSignal
    let metrics: ServerMetrics
    let configuration: AuditSinkConfiguration
    /// This server's id in the lease (its audit writer id).
    let holder: String
    let clock: any TimeSource
    let logger: Logger
    /// How long a lease lasts unless renewed (renewed at every delivery and at half its life).
    var leaseDuration: TimeInterval = 30
    /// How often an idle worker looks for records other servers appended.
    var pollInterval: Duration = .seconds(1)
    /// How long a worker waits after a partial batch, so that under load records gather into few large batches and
    /// the cursor is written a few times a second, not once per group commit (on SQLite every cursor write takes the
    /// one write lock the audit log commits under).
    var linger: Duration = .milliseconds(200)
    var initialBackoff: Duration = .milliseconds(250)
    var maximumBackoff: Duration = .seconds(30)
    private let host = SyslogMessage.printable(ProcessInfo.processInfo.hostName, limit: 255)

    /// What the worker remembers between batches.
    struct Progress {
        var cursor: Int64?
        var leaseUntil: Date?
        var lagging = false
        /// Each chain's last record delivered by this worker (its place in the chain), to find records that were
        /// given a place in the log's order behind the cursor.
        var chainEnds: [String: Int64] = [:]
    }

    /// What one round did: delivered a full batch (more may wait), a partial one (the sink is caught up), nothing.
    enum Step { case delivered, partial, idle, notHolder }

    func run() async throws {
        logger.info("audit sink \(spec.name): delivering \(spec.format.rawValue) records")
        try? await cancelWhenGracefulShutdown {
            var progress = Progress()
            var backoff = initialBackoff
            while !Task.isCancelled {
                let seen = signal.current
                do {
                    switch try await step(&progress) {
                    case .delivered: backoff = initialBackoff
                    case .partial:
                        backoff = initialBackoff
                        try await Task.sleep(for: linger)
                    case .idle:
                        backoff = initialBackoff
                        await signal.wait(after: seen, timeout: pollInterval)
                    case .notHolder: try await Task.sleep(for: pollInterval)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    metrics.sinkFailed(spec.name)
                    logger.warning(
                        "audit sink \(spec.name): delivery failed, retrying",
                        metadata: ["reason": "\(String(describing: error).prefix(300))", "backoff": "\(backoff)"])
                    try await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, maximumBackoff)
                }
            }
        }
        // Not cancelled with the group: hand the sink to another server at once.
        await Task { [cursors, spec, holder, transport] in
            try? await cursors.release(sink: spec.name, holder: holder)
            await transport.close()
        }.value
    }

    /// One round: hold the lease, read the records after the cursor, deliver them, move the cursor.
    func step(_ progress: inout Progress) async throws -> Step {
        let now = clock.now()
        if progress.cursor == nil || progress.leaseUntil.map({ now >= $0.addingTimeInterval(-leaseDuration / 2) }) ?? true {
            guard
                let cursor = try await cursors.acquire(
                    sink: spec.name, holder: holder, until: now.addingTimeInterval(leaseDuration), now: now)
            else {
                progress.cursor = nil
                return .notHolder
            }
            progress.cursor = cursor
            progress.leaseUntil = now.addingTimeInterval(leaseDuration)
        }
        let cursor = progress.cursor ?? 0
        let records = try await store.records(after: cursor, limit: configuration.batchSize)
        try await measureLag(cursor: cursor, progress: &progress)
        guard let last = records.last else { return .idle }
        var messages: [String] = []
        messages.reserveCapacity(records.count)
        for record in try await inChainOrder(records, ends: &progress.chainEnds) {
            if !spec.types.isEmpty, !spec.accepts(type: SyslogMessage.topLevelString("type", in: record.body) ?? "") {
                continue
            }
            let line = spec.format.line(record, host: host)
            messages.append(spec.isSyslog ? SyslogMessage.make(record, line: line, host: host) : line)
        }
        if !messages.isEmpty { try await transport.deliver(messages) }
        let after = clock.now()
        guard
            try await cursors.advance(
                sink: spec.name, holder: holder, to: last.seq, until: after.addingTimeInterval(leaseDuration), now: after)
        else {
            logger.warning("audit sink \(spec.name): another server took the sink over")
            progress.cursor = nil
            return .notHolder
        }
        progress.cursor = last.seq
        progress.leaseUntil = after.addingTimeInterval(leaseDuration)
        metrics.sinkDelivered(spec.name, records: messages.count)
        return records.count < configuration.batchSize ? .partial : .delivered
    }

    /// The batch with any records of a chain that it skips put back before the record that skips them. Readers follow
    /// `seq`, which is not hashed: a database writer can give a new record a `seq` the cursor has already passed, and
    /// a worker following `seq` alone would never deliver it. Within one worker's life every chain is delivered
    /// without a gap; a gap is logged as critical (and the missing records are delivered late, if they exist).
    private func inChainOrder(_ records: [AuditRecord], ends: inout [String: Int64]) async throws -> [AuditRecord] {
        var ordered: [AuditRecord] = []
        ordered.reserveCapacity(records.count)
        for record in records {
            // Saturating: the numbers come from the database, and a planted extreme one must not trap.
            if let end = ends[record.chain], record.chainSeq > end.saturatingAdding(1) {
                let missing = try await store.records(
                    chain: record.chain, after: end,
                    limit: Int(min(record.chainSeq.saturatingSubtracting(end).saturatingSubtracting(1), 10_000)))
                logger.critical(
                    """
                    audit sink \(spec.name): records \(end + 1)...\(record.chainSeq - 1) of the chain were placed behind the \
                    sink's cursor (the log's order was changed) or removed; \(missing.count) found and delivered now. Run \
                    `tessera audit verify`
                    """,
                    metadata: ["audit_chain": .string(record.chain)])
                ordered += missing.filter { $0.chainSeq < record.chainSeq }
            } else if let end = ends[record.chain], record.chainSeq <= end {
                logger.critical(
                    """
                    audit sink \(spec.name): record \(record.chainSeq) of the chain comes again after \(end) (the log's \
                    order was changed). Run `tessera audit verify`
                    """,
                    metadata: ["audit_chain": .string(record.chain)])
            }
            ends[record.chain] = max(ends[record.chain] ?? 0, record.chainSeq)
            ordered.append(record)
        }
        return ordered
    }

    /// Publishes the lag, and records `sink.lagging` when it passes the bound (`sink.caught_up` under half of it).
    private func measureLag(cursor: Int64, progress: inout Progress) async throws {
        let head = try await store.recordedHead()?.seq ?? 0
        let lag = max(0, head.saturatingSubtracting(cursor))
        metrics.sinkLag(spec.name, lag)
        let bound = Int64(configuration.maximumLag)
        if !progress.lagging, lag > bound {
            progress.lagging = true
            logger.warning("audit sink \(spec.name) is \(lag) records behind (more than \(bound))")
            try await record(AuditEventType.sinkLagging, outcome: .failure, lag: lag, cursor: cursor)
        } else if progress.lagging, lag <= bound / 2 {
            progress.lagging = false
            logger.notice("audit sink \(spec.name) caught up (\(lag) records behind)")
            try await record(AuditEventType.sinkCaughtUp, outcome: .success, lag: lag, cursor: cursor)
        }
        metrics.sinkLagging(spec.name, progress.lagging)
    }

    private func record(_ type: String, outcome: AuditEvent.Outcome, lag: Int64, cursor: Int64) async throws {
        try await audit.append(
            AuditEvent(
                type: type, outcome: outcome, actor: "system", subject: spec.name,
                details: [
                    "lag": .int(lag), "delivered_seq": .int(cursor), "maximum_lag": .int(Int64(configuration.maximumLag)),
                ]))
    }
}
